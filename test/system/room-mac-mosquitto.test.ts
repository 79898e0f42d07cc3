// Authenticated room commands and taps on a real Mosquitto (external mode), with the shipped
// ACL and client settings (room-mac-contract.ts). The intruder is a login the test's ACL lets
// write the room topics: what a LAN device with any publish right there could send.
import { afterEach } from 'vitest';
import { gatewayOnMosquitto, mosquittoContractAcl, mosquittoUsers } from '../integration/mqtt-contract.js';
import { roomMacSuite } from '../integration/room-mac-contract.js';
import { labSuite } from '../support/lab.js';
import { type Collected, client, Mosquitto } from '../support/mqtt.js';

const INTRUDER = { username: 'intruder', password: 'intruder secret 123' };
const acl = `${mosquittoContractAcl()}\nuser intruder\ntopic write pintu/rooms/+/command\ntopic write pintu/rooms/+/tap\n`;

labSuite('authenticated room commands and taps on a real Mosquitto', ['mosquitto'], () => {
  let broker: Mosquitto | undefined;
  let intruder: Collected | undefined;
  afterEach(async () => {
    await intruder?.end();
    intruder = undefined;
  });
  roomMacSuite({
    protocolVersion: 5,
    async start(dir) {
      broker ??= await Mosquitto.start({ users: mosquittoUsers(INTRUDER), acl, shipped: true });
      return gatewayOnMosquitto(broker, { dir });
    },
    async inject(_g, topic, payload) {
      intruder ??= await client(broker!.url, { ...INTRUDER, protocolVersion: 5 });
      await intruder.client.publishAsync(topic, payload, { qos: 1 });
    },
    async cleanup() {
      await intruder?.end();
      intruder = undefined;
      await broker?.stop();
      broker = undefined;
    },
  });
});
