// MQTT client credentials of the embedded broker: one user per device (room controller,
// facilities client, Home Assistant), kept in `<dataDir>/mqtt-users.json` (mode 0600) with
// the password only as a scrypt hash. `pintu mqtt-user add|remove|list` edits the file; a
// running broker notices the change at the next connection attempt (and drops the
// sessions of a removed user).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DUMMY_HASH, hashPassword, verifyPassword } from '../service/passwords.js';
import { writeFileAtomic } from '../store/durable-file.js';
import { MQTT_ROLES, type MqttRole, type Principal } from './acl.js';

export interface MqttUser {
  username: string;
  role: MqttRole;
  /** Role room: the room id in the topics. */
  room?: string;
  /** scrypt hash (service/passwords.ts). */
  hash: string;
  createdAt: number;
}

interface UsersFile {
  version: 1;
  users: MqttUser[];
}

export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ROOM_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

export class MqttUserError extends Error {
  override readonly name = 'MqttUserError';
}

export function mqttUsersFile(dataDir: string): string {
  return join(dataDir, 'mqtt-users.json');
}

export class MqttUsers {
  private users = new Map<string, MqttUser>();
  private stamp = '';
  private saves = 0;
  /** Verified passwords, as a keyed hash: a reconnecting device costs no scrypt run. */
  private readonly verified = new Map<string, { hash: string; key: Buffer }>();
  private readonly cacheKey = randomBytes(32);

  constructor(readonly file: string) {}

  static async open(file: string): Promise<MqttUsers> {
    const u = new MqttUsers(file);
    await u.reload();
    return u;
  }

  private checking: Promise<string[]> | undefined;
  private nextCheck: Promise<string[]> | undefined;

  /**
   * reload() for a broker's connect path: one look at the file at a time, whatever the number
   * of clients connecting (a flood holds at most one thread-pool slot). Calls made while a look
   * is running share the one that starts after it, so a user removed just before is seen.
   */
  refresh(): Promise<string[]> {
    if (!this.checking) {
      this.checking = this.reload().finally(() => {
        this.checking = undefined;
      });
      return this.checking;
    }
    const after = () => {
      this.nextCheck = undefined;
      return this.refresh();
    };
    this.nextCheck ??= this.checking.then(after, after);
    return this.nextCheck;
  }

  /** Read the file again when it changed on disk. Returns the users that are gone. */
  async reload(): Promise<string[]> {
    let st: { mtimeMs: number; size: number; ino: number } | undefined;
    try {
      st = await stat(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const stamp = st ? `${st.mtimeMs}:${st.size}:${st.ino}` : 'none';
    if (stamp === this.stamp) return [];
    this.stamp = stamp;
    const before = new Set(this.users.keys());
    const next = new Map<string, MqttUser>();
    if (st) {
      const doc = JSON.parse(await readFile(this.file, 'utf8')) as UsersFile;
      for (const u of doc.users ?? []) next.set(u.username, u);
    }
    this.users = next;
    for (const name of [...this.verified.keys()]) {
      if (next.get(name)?.hash !== this.verified.get(name)?.hash) this.verified.delete(name);
    }
    return [...before].filter((name) => !next.has(name));
  }

  list(): Array<Omit<MqttUser, 'hash'>> {
    return [...this.users.values()]
      .map(({ hash: _hash, ...rest }) => rest)
      .sort((a, b) => a.username.localeCompare(b.username));
  }

  get(username: string): MqttUser | undefined {
    return this.users.get(username);
  }

  async add(
    input: { username: string; role: MqttRole; room?: string; password: string },
    now = Date.now(),
  ): Promise<void> {
    if (!USERNAME_PATTERN.test(input.username)) {
      throw new MqttUserError(
        'user name: letters, digits, "_", "." and "-", at most 64, starting with a letter or digit',
      );
    }
    if (!MQTT_ROLES.includes(input.role))
      throw new MqttUserError(`role must be one of ${MQTT_ROLES.join(', ')}`);
    if (input.role === 'room') {
      if (!input.room || !ROOM_PATTERN.test(input.room))
        throw new MqttUserError('a room controller needs --room (a room id, slug)');
    } else if (input.room !== undefined) {
      throw new MqttUserError(`--room is for room controllers only, not ${input.role}`);
    }
    if (input.password.length < 12) throw new MqttUserError('password: at least 12 characters');
    const user: MqttUser = {
      username: input.username,
      role: input.role,
      ...(input.room ? { room: input.room } : {}),
      hash: await hashPassword(input.password),
      createdAt: now,
    };
    await this.exclusive(async () => {
      await this.reload();
      if (this.users.has(input.username))
        throw new MqttUserError(`MQTT user "${input.username}" exists already`);
      this.users.set(user.username, user);
      await this.save();
    });
  }

  async remove(username: string): Promise<boolean> {
    return this.exclusive(async () => {
      await this.reload();
      if (!this.users.delete(username)) return false;
      this.verified.delete(username);
      await this.save();
      return true;
    });
  }

  private queue: Promise<unknown> = Promise.resolve();
  /** One change of the file at a time (within this process). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * The principal of credentials verified before (a reconnecting device): no scrypt run, so a
   * broker may let it in ahead of its password throttles. Undefined otherwise.
   */
  known(username: string, password: string): Principal | undefined {
    const user = this.users.get(username);
    const cached = this.verified.get(username);
    if (!user || !cached || cached.hash !== user.hash) return undefined;
    const key = createHmac('sha256', this.cacheKey).update(password).digest();
    return timingSafeEqual(cached.key, key) ? principalOf(user) : undefined;
  }

  /** The principal of valid credentials, or undefined. An unknown user costs a scrypt run too. */
  async verify(username: string, password: string): Promise<Principal | undefined> {
    // Only a match is fast: a wrong password always costs the full scrypt run.
    const known = this.known(username, password);
    if (known) return known;
    const user = this.users.get(username);
    const key = createHmac('sha256', this.cacheKey).update(password).digest();
    const ok = await verifyPassword(password, user?.hash ?? DUMMY_HASH);
    if (!ok || !user) return undefined;
    if (this.users.get(username)?.hash === user.hash) this.verified.set(username, { hash: user.hash, key });
    return principalOf(user);
  }

  private async save(): Promise<void> {
    const doc: UsersFile = { version: 1, users: [...this.users.values()] };
    // Durable before `add` or `remove` answers (a power cut must not bring a removed user back,
    // nor leave the file empty); the temporary name is this process's own, as the CLI writes too.
    await writeFileAtomic(this.file, `${JSON.stringify(doc, null, 2)}\n`, {
      mode: 0o600,
      tmp: `${this.file}.${process.pid}.${++this.saves}.tmp`,
    });
    const st = await stat(this.file);
    this.stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
  }
}

function principalOf(u: MqttUser): Principal {
  return u.role === 'room'
    ? { role: 'room', username: u.username, room: u.room! }
    : { role: u.role, username: u.username };
}
