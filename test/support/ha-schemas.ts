// Home Assistant's MQTT discovery schemas for the platforms Pintu uses, transcribed from Home
// Assistant's own source (voluptuous), so a discovery payload is checked the way Home
// Assistant checks it: abbreviations expanded first (discovery.py), then the platform's
// DISCOVERY_SCHEMA. Read from github.com/home-assistant/core, homeassistant/components/mqtt/:
//
//   abbreviations.py  @05efb6ea19079f4add6d808eaa251d4977b6679d  ABBREVIATIONS, DEVICE_ABBREVIATIONS
//   discovery.py      (2024.x, SignalTypeFormat era)         key expansion; MQTT_ORIGIN_INFO_SCHEMA;
//                                                              TOPIC_MATCHER; SUPPORTED_COMPONENTS
//   schemas.py        (2024.x, with model_id)                 MQTT_AVAILABILITY_SCHEMA,
//                                                              MQTT_ENTITY_DEVICE_INFO_SCHEMA,
//                                                              MQTT_ENTITY_COMMON_SCHEMA
//   config.py         @459c79f295fd592fc7b235e4bcb5a6a3d160754e  MQTT_BASE/RO/RW_SCHEMA
//   lock.py           (2024.x: payload_open, payload_reset, state_open, state_opening; the same
//                      schema as vendored in openhab/openhab-addons @32d1b911)
//   event.py          @03ffd74c83de5ed77022d84e4a056fd1a699a6b5  _PLATFORM_SCHEMA_BASE (event_types)
//   button.py         @05fd736fa9e7abc76b31cabe9fbcd4dd00db44cd  PLATFORM_SCHEMA_MODERN
//   binary_sensor.py  @00ffd2c46be98c20d14b45be64c32a8d459abf5d  PLATFORM_SCHEMA (+ COMMON)
//   sensor.py         PLATFORM_SCHEMA_MODERN (state_class, unit_of_measurement, ...)
//
// Each platform's DISCOVERY_SCHEMA is `extend({}, extra=vol.REMOVE_EXTRA)`: Home Assistant drops
// a key it does not know without a word. Here an unknown key is an error, as it is always a
// mistake (a misspelt key is silently lost).
//
// Device classes are Home Assistant's enums (BinarySensorDeviceClass, ButtonDeviceClass,
// EventDeviceClass, SensorStateClass), which the MQTT platforms check with vol.Coerce.

type Check = (value: unknown) => string | undefined;

const isString: Check = (v) =>
  typeof v === 'string' || typeof v === 'number' ? undefined : 'cv.string: not a string';
const isBoolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'cv.boolean: not a boolean');
const isTemplate: Check = (v) => (typeof v === 'string' ? undefined : 'cv.template: not a string');
const isQos: Check = (v) => ([0, 1, 2].includes(v as number) ? undefined : 'valid_qos_schema: not 0, 1 or 2');
const isPositiveInt: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 0 ? undefined : 'cv.positive_int: not an integer >= 0';
/** util.valid_topic: UTF-8, 1..65535 bytes, no NUL, no U+FFFE/FFFF or control characters. */
const validTopic = (v: unknown): string | undefined => {
  if (typeof v !== 'string' || v.length === 0) return 'valid_topic: empty or not a string';
  if (Buffer.byteLength(v) > 65535) return 'valid_topic: longer than 65535 bytes';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the rule is about control characters
  if (/[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/.test(v)) return 'valid_topic: a control character';
  return undefined;
};
/** util.valid_subscribe_topic: + and # only as whole levels, # last. */
const isSubscribeTopic: Check = (v) => {
  const bad = validTopic(v);
  if (bad) return bad;
  const levels = (v as string).split('/');
  for (const [i, l] of levels.entries()) {
    if (l.includes('#') && (l !== '#' || i !== levels.length - 1)) return 'valid_subscribe_topic: bad #';
    if (l.includes('+') && l !== '+') return 'valid_subscribe_topic: bad +';
  }
  return undefined;
};
/** util.valid_publish_topic: no wildcard at all. */
const isPublishTopic: Check = (v) =>
  validTopic(v) ?? (/[+#]/.test(v as string) ? 'valid_publish_topic: a wildcard' : undefined);
/** cv.icon: `prefix:name`. */
const isIcon: Check = (v) =>
  typeof v === 'string' && /^[^:\s]+:[^:\s]+$/.test(v) ? undefined : 'cv.icon: not prefix:name';
const oneOf =
  (values: readonly string[], what: string): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v)
      ? undefined
      : `${what}: ${String(v)} not in ${values.join(', ')}`;
const listOf =
  (item: Check): Check =>
  (v) => {
    // cv.ensure_list: a single value is a list of one.
    for (const x of Array.isArray(v) ? v : [v]) {
      const bad = item(x);
      if (bad) return `[${bad}]`;
    }
    return undefined;
  };
const isUrl: Check = (v) =>
  typeof v === 'string' && /^(https?:\/\/|homeassistant:\/\/)/.test(v) ? undefined : 'cv.configuration_url';

interface Field {
  required?: true;
  check: Check;
  /** vol.Exclusive group: at most one key of the group. */
  exclusive?: string;
}
type Schema = Readonly<Record<string, Field>>;

const opt = (check: Check, exclusive?: string): Field => ({ check, ...(exclusive ? { exclusive } : {}) });
const req = (check: Check): Field => ({ required: true, check });

/** schemas.py MQTT_ENTITY_DEVICE_INFO_SCHEMA (+ validate_device_has_at_least_one_identifier). */
const DEVICE: Schema = {
  identifiers: opt(listOf(isString)),
  connections: opt(
    listOf((c) => (Array.isArray(c) && c.length === 2 && c.every((x) => !isString(x)) ? undefined : 'pair')),
  ),
  manufacturer: opt(isString),
  model: opt(isString),
  model_id: opt(isString),
  name: opt(isString),
  hw_version: opt(isString),
  serial_number: opt(isString),
  sw_version: opt(isString),
  via_device: opt(isString),
  suggested_area: opt(isString),
  configuration_url: opt(isUrl),
};

/** discovery.py / schemas.py MQTT_ORIGIN_INFO_SCHEMA. */
const ORIGIN: Schema = {
  name: req(isString),
  sw_version: opt(isString),
  support_url: opt(isUrl),
};

/** The availability list's items (MQTT_AVAILABILITY_LIST_SCHEMA). */
const AVAILABILITY_ITEM: Schema = {
  topic: req(isSubscribeTopic),
  payload_available: opt(isString),
  payload_not_available: opt(isString),
  value_template: opt(isTemplate),
};

const nested =
  (schema: Schema, extra?: (v: Record<string, unknown>) => string | undefined): Check =>
  (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a mapping';
    const errors = validate(schema, v as Record<string, unknown>);
    return errors[0] ?? extra?.(v as Record<string, unknown>);
  };

/** config.py MQTT_BASE_SCHEMA. */
const BASE: Schema = {
  qos: opt(isQos),
  encoding: opt(isString),
  group: opt(listOf(isString)),
};
/** config.py MQTT_RO_SCHEMA: sensor-like platforms. */
const RO: Schema = { ...BASE, state_topic: req(isSubscribeTopic), value_template: opt(isTemplate) };
/** config.py MQTT_RW_SCHEMA: platforms that command. */
const RW: Schema = {
  ...BASE,
  command_topic: req(isPublishTopic),
  optimistic: opt(isBoolean),
  retain: opt(isBoolean),
  state_topic: opt(isSubscribeTopic),
};

/** schemas.py MQTT_ENTITY_COMMON_SCHEMA = MQTT_AVAILABILITY_SCHEMA.extend({...}). */
const COMMON: Schema = {
  availability_topic: opt(isSubscribeTopic, 'availability'),
  availability_template: opt(isTemplate),
  payload_available: opt(isString),
  payload_not_available: opt(isString),
  availability_mode: opt(oneOf(['all', 'any', 'latest'], 'availability_mode')),
  availability: opt(listOf(nested(AVAILABILITY_ITEM)), 'availability'),
  device: opt(
    nested(DEVICE, (d) =>
      (Array.isArray(d.identifiers) ? d.identifiers.length : d.identifiers ? 1 : 0) ||
      (Array.isArray(d.connections) && d.connections.length)
        ? undefined
        : "Device must have at least one identifying value in 'identifiers' and/or 'connections'",
    ),
  ),
  origin: opt(nested(ORIGIN)),
  enabled_by_default: opt(isBoolean),
  entity_category: opt(oneOf(['config', 'diagnostic'], 'ENTITY_CATEGORIES_SCHEMA')),
  icon: opt(isIcon),
  json_attributes_topic: opt(isSubscribeTopic),
  json_attributes_template: opt(isTemplate),
  object_id: opt(isString),
  default_entity_id: opt(isString),
  unique_id: opt(isString),
};

const nameField = opt((v) => (v === null ? undefined : isString(v)));

/** BinarySensorDeviceClass. */
export const BINARY_SENSOR_DEVICE_CLASSES = [
  'battery',
  'battery_charging',
  'carbon_monoxide',
  'cold',
  'connectivity',
  'door',
  'garage_door',
  'gas',
  'heat',
  'light',
  'lock',
  'moisture',
  'motion',
  'moving',
  'occupancy',
  'opening',
  'plug',
  'power',
  'presence',
  'problem',
  'running',
  'safety',
  'smoke',
  'sound',
  'tamper',
  'update',
  'vibration',
  'window',
] as const;

/** DISCOVERY_SCHEMA of each platform, by the component name of the discovery topic. */
export const HA_SCHEMAS: Readonly<Record<string, Schema>> = {
  lock: {
    ...RW,
    code_format: opt(isString),
    command_template: opt(isTemplate),
    name: nameField,
    payload_lock: opt(isString),
    payload_unlock: opt(isString),
    payload_open: opt(isString),
    payload_reset: opt(isString),
    state_jammed: opt(isString),
    state_locked: opt(isString),
    state_locking: opt(isString),
    state_open: opt(isString),
    state_opening: opt(isString),
    state_unlocked: opt(isString),
    state_unlocking: opt(isString),
    value_template: opt(isTemplate),
    ...COMMON,
  },
  binary_sensor: {
    ...RO,
    device_class: opt(oneOf(BINARY_SENSOR_DEVICE_CLASSES, 'DEVICE_CLASSES_SCHEMA')),
    expire_after: opt(isPositiveInt),
    force_update: opt(isBoolean),
    name: nameField,
    off_delay: opt(isPositiveInt),
    payload_off: opt(isString),
    payload_on: opt(isString),
    ...COMMON,
  },
  sensor: {
    ...RO,
    device_class: opt(isString),
    expire_after: opt(isPositiveInt),
    force_update: opt(isBoolean),
    last_reset_value_template: opt(isTemplate),
    name: nameField,
    options: opt(listOf(isString)),
    suggested_display_precision: opt(isPositiveInt),
    state_class: opt(
      oneOf(['measurement', 'measurement_angle', 'total', 'total_increasing'], 'STATE_CLASSES'),
    ),
    unit_of_measurement: opt(isString),
    ...COMMON,
  },
  button: {
    ...BASE,
    command_template: opt(isTemplate),
    command_topic: req(isPublishTopic),
    device_class: opt((v) =>
      v === null ? undefined : oneOf(['identify', 'restart', 'update'], 'button')(v),
    ),
    name: nameField,
    payload_press: opt(isString),
    retain: opt(isBoolean),
    ...COMMON,
  },
  event: {
    ...RO,
    device_class: opt(oneOf(['button', 'doorbell', 'motion'], 'EventDeviceClass')),
    name: nameField,
    event_types: req(listOf(isString)),
    ...COMMON,
  },
};

/** abbreviations.py ABBREVIATIONS (the entries for the keys of the platforms above). */
const ABBREVIATIONS: Readonly<Record<string, string>> = {
  avty: 'availability',
  avty_mode: 'availability_mode',
  avty_t: 'availability_topic',
  avty_tpl: 'availability_template',
  cmd_t: 'command_topic',
  cmd_tpl: 'command_template',
  dev: 'device',
  dev_cla: 'device_class',
  e: 'encoding',
  en: 'enabled_by_default',
  ent_cat: 'entity_category',
  exp_aft: 'expire_after',
  frc_upd: 'force_update',
  ic: 'icon',
  json_attr_t: 'json_attributes_topic',
  json_attr_tpl: 'json_attributes_template',
  name: 'name',
  obj_id: 'object_id',
  off_dly: 'off_delay',
  opt: 'optimistic',
  ops: 'options',
  pl_avail: 'payload_available',
  pl_lock: 'payload_lock',
  pl_not_avail: 'payload_not_available',
  pl_off: 'payload_off',
  pl_on: 'payload_on',
  pl_open: 'payload_open',
  pl_prs: 'payload_press',
  pl_rst: 'payload_reset',
  pl_unlk: 'payload_unlock',
  ret: 'retain',
  stat_cla: 'state_class',
  stat_locked: 'state_locked',
  stat_open: 'state_open',
  stat_opening: 'state_opening',
  stat_t: 'state_topic',
  stat_unlocked: 'state_unlocked',
  t: 'topic',
  uniq_id: 'unique_id',
  unit_of_meas: 'unit_of_measurement',
  val_tpl: 'value_template',
};
const DEVICE_ABBREVIATIONS: Readonly<Record<string, string>> = {
  cns: 'connections',
  cu: 'configuration_url',
  ids: 'identifiers',
  name: 'name',
  mf: 'manufacturer',
  mdl: 'model',
  mdl_id: 'model_id',
  hw: 'hw_version',
  sw: 'sw_version',
  sa: 'suggested_area',
  sn: 'serial_number',
};
const ORIGIN_ABBREVIATIONS: Readonly<Record<string, string>> = {
  name: 'name',
  sw: 'sw_version',
  url: 'support_url',
};

const expandKeys = (o: Record<string, unknown>, table: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [table[k] ?? k, v]));

/** discovery.py async_discovery_message_received: the keys as Home Assistant reads them. */
export function expandAbbreviations(payload: Record<string, unknown>): Record<string, unknown> {
  const out = expandKeys(payload, ABBREVIATIONS);
  if (out.device && typeof out.device === 'object')
    out.device = expandKeys(out.device as Record<string, unknown>, DEVICE_ABBREVIATIONS);
  if (out.origin && typeof out.origin === 'object')
    out.origin = expandKeys(out.origin as Record<string, unknown>, ORIGIN_ABBREVIATIONS);
  if (Array.isArray(out.availability))
    out.availability = out.availability.map((a) =>
      a && typeof a === 'object' ? expandKeys(a as Record<string, unknown>, ABBREVIATIONS) : a,
    );
  return out;
}

function validate(schema: Schema, value: Record<string, unknown>): string[] {
  const errors: string[] = [];
  for (const [key, field] of Object.entries(schema))
    if (field.required && !(key in value)) errors.push(`required key not provided @ data['${key}']`);
  const groups = new Map<string, string[]>();
  for (const [key, v] of Object.entries(value)) {
    const field = schema[key];
    if (!field) {
      errors.push(`extra key (Home Assistant drops it) @ data['${key}']`);
      continue;
    }
    const bad = field.check(v);
    if (bad) errors.push(`${bad} @ data['${key}']`);
    if (field.exclusive) groups.set(field.exclusive, [...(groups.get(field.exclusive) ?? []), key]);
  }
  for (const [group, keys] of groups)
    if (keys.length > 1) errors.push(`two or more values in the same group of exclusion '${group}'`);
  return errors;
}

/** discovery.py TOPIC_MATCHER on the topic after `<prefix>/`. */
const TOPIC_MATCHER = /^(\w+)\/(?:([a-zA-Z0-9_-]+)\/)?([a-zA-Z0-9_-]+)\/config$/;

/**
 * What Home Assistant says of one retained discovery message: the errors it would log (or,
 * here, an unknown key it would drop), none when it sets the entity up.
 */
export function haValidate(prefix: string, topic: string, payload: string): string[] {
  if (!topic.startsWith(`${prefix}/`)) return [`not under ${prefix}/`];
  const m = TOPIC_MATCHER.exec(topic.slice(prefix.length + 1));
  if (!m) return [`illegal discovery topic ${topic}`];
  const schema = HA_SCHEMAS[m[1] ?? ''];
  if (!schema) return [`component ${m[1]} is not one of the transcribed platforms`];
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return ['Unable to parse JSON'];
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return ['not a JSON object'];
  return validate(schema, expandAbbreviations(parsed as Record<string, unknown>));
}
