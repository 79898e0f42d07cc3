// Home Assistant discovery on the broker: the configs (discovery.ts) published retained at
// each connection and whenever Home Assistant comes online, and the configs of entities the
// configuration no longer has taken back (an empty retained message), whether an earlier
// start listed them in <dataDir>/mqtt-discovery.json or the broker still retains them.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { writeFileAtomic } from '../store/durable-file.js';
import {
  type DiscoveryConfig,
  discoveryConfigs,
  discoveryFilter,
  doorDiscoveryTopics,
  nodeIdOf,
} from './discovery.js';
import type { MqttLink } from './link.js';
import type { Topics } from './topics.js';

/** What the gateway subscribes to for discovery (none when Home Assistant is off). */
export function discoverySubscriptions(
  config: Config,
  topics: Topics,
): Array<{ filter: string; qos: 0 | 1; noLocal?: boolean }> {
  if (!config.mqtt.homeAssistant.enabled) return [];
  return [
    { filter: topics.homeAssistantStatus, qos: 1 },
    // Its own configs, to find those retained for an entity no longer configured.
    {
      filter: discoveryFilter(topics.discoveryPrefix, nodeIdOf(config.mqtt.baseTopic)),
      qos: 1,
      noLocal: true,
    },
  ];
}

export interface DiscoveryPublisherOptions {
  config: Config;
  link: MqttLink;
  topics: Topics;
  version: string;
  log: Logger;
}

export class DiscoveryPublisher {
  private readonly configs: Map<string, DiscoveryConfig>;
  private removed: Promise<string[]> | undefined;

  constructor(private readonly opts: DiscoveryPublisherOptions) {
    const { config, topics, version } = opts;
    this.configs = config.mqtt.homeAssistant.enabled
      ? discoveryConfigs({
          topics,
          nodeId: nodeIdOf(config.mqtt.baseTopic),
          doors: config.doors.map((d) => ({ id: d.id, name: d.name, controller: d.lock.driver === 'mqtt' })),
          version,
        })
      : new Map();
  }

  private get file(): string {
    return join(this.opts.config.dataDir, 'mqtt-discovery.json');
  }

  /**
   * The configs of entities that earlier starts published and this configuration no longer
   * has (from <dataDir>/mqtt-discovery.json, read once), and the file updated to now.
   */
  private async removedTopics(): Promise<string[]> {
    this.removed ??= (async () => {
      let before: string[] = [];
      try {
        before = (JSON.parse(await readFile(this.file, 'utf8')) as { topics?: string[] }).topics ?? [];
      } catch {
        // first start with Home Assistant discovery
      }
      // Durable: a power cut must not leave it torn, nor take back the list of what was published
      // (what a later start removes from Home Assistant when a door goes).
      await writeFileAtomic(this.file, `${JSON.stringify({ topics: [...this.configs.keys()] }, null, 2)}\n`);
      return before.filter((t) => !this.configs.has(t));
    })();
    return this.removed;
  }

  /**
   * Publish the configs, and an empty retained config for every entity no longer configured:
   * at each connection and whenever Home Assistant says it is online (it may have been away
   * when the gateway connected, as with the embedded broker, which forgets at a restart).
   */
  async publish(): Promise<void> {
    const { config, link, log } = this.opts;
    if (!config.mqtt.homeAssistant.enabled) return;
    try {
      for (const [topic, cfg] of this.configs)
        await link.publish(topic, JSON.stringify(cfg), { qos: 1, retain: true });
      for (const topic of await this.removedTopics()) {
        log.info({ topic }, 'home assistant: removing the config of an entity no longer configured');
        await link.publish(topic, '', { qos: 1, retain: true });
      }
    } catch (err) {
      log.debug({ err }, 'home assistant discovery not (fully) published');
    }
  }

  /** A message on a topic of discoverySubscriptions. */
  handle(topic: string, payload: Buffer, retained: boolean): void {
    const { link, topics, log } = this.opts;
    if (topic === topics.homeAssistantStatus) {
      if (payload.toString('utf8').trim() === 'online') void this.publish();
      return;
    }
    // A retained discovery config of this gateway that the configuration no longer has.
    if (
      retained &&
      payload.length > 0 &&
      topic.startsWith(`${topics.discoveryPrefix}/`) &&
      !this.configs.has(topic)
    ) {
      log.info({ topic }, 'home assistant: removing the config of an entity no longer configured');
      void link.publish(topic, '', { qos: 1, retain: true }).catch(() => undefined);
    }
  }

  /** Topics of the discovery configs (tests). */
  topics(): string[] {
    return [...this.configs.keys()];
  }

  /** Every config topic a door may own (tests). */
  doorTopics(doorId: string): string[] {
    return doorDiscoveryTopics(
      this.opts.topics.discoveryPrefix,
      nodeIdOf(this.opts.config.mqtt.baseTopic),
      doorId,
    );
  }
}
