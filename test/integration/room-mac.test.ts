// Authenticated room commands and taps on the embedded broker (room-mac-contract.ts).
import { describe } from 'vitest';
import { freePort, startMqttGateway } from '../support/mqtt.js';
import { USERS } from './mqtt-contract.js';
import { roomMacSuite } from './room-mac-contract.js';

describe('authenticated room commands and taps on the embedded broker', () => {
  roomMacSuite({
    protocolVersion: 4,
    async start(dir) {
      return startMqttGateway({ mqtt: { mode: 'embedded', port: await freePort() }, users: USERS, dir });
    },
    // Inside the broker: no login and no ACL, as a device that may publish anywhere.
    inject(g, topic, payload) {
      return new Promise((resolve, reject) =>
        g.mqtt.broker!.aedes.publish(
          { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: false, dup: false },
          (err) => (err ? reject(err) : resolve()),
        ),
      );
    },
    async cleanup() {},
  });
});
