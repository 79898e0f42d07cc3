// Public face of the configuration module.

export { isValidTimeZone } from '../domain/time.js';
export {
  DEFAULT_BADGES,
  DEFAULT_DOORS,
  DEFAULT_HOSTS,
  DEFAULT_READERS,
} from './defaults.js';
export { ConfigError, type ConfigProblem } from './errors.js';
export {
  EMBEDDED_SOURCE,
  ENV_PREFIX,
  ENV_SHORTCUTS,
  embeddedConfig,
  type LoadedConfig,
  type LoadOptions,
  loadConfig,
} from './load.js';
export {
  type BadgeSeed,
  type Config,
  type ConfigKeyDoc,
  ConfigSchema,
  configJsonSchema,
  type DoorConfig,
  describeConfig,
  describeConfigMarkdown,
  type GuestNameMode,
  type HostSeed,
  type LockConfig,
  type LogLevel,
  type MqttMode,
  type OfficeHoursConfig,
  type ReaderConfig,
  type ReaderDriverConfig,
} from './schema.js';
export { checkConfig } from './validate.js';
