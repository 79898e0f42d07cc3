// A fleet section as a configuration file gives it: what the test names, the rest at the
// schema's defaults (so a new fleet key needs no edit in every test that builds one).

import type { FleetConfig } from '../../src/config/schema.js';
import { checkConfig } from '../../src/config/validate.js';

export function fleetSection(
  fleet: Partial<FleetConfig> & Pick<FleetConfig, 'role' | 'gatewayId' | 'broker'>,
): FleetConfig {
  const { config, problems } = checkConfig({ dataDir: '/nonexistent', fleet });
  if (problems.length > 0 || !config.fleet)
    throw new Error(`a test's fleet section: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  return config.fleet;
}
