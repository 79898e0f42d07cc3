// What the panel knows after login: who I am, the hosts, doors and readers, the gateway's clock.
import type { Role } from '../domain/types.js';
import type { Bootstrap, Host } from './api.js';
import { api } from './api.js';
import { setClock } from './format.js';
import { getLang } from './i18n.js';

export let boot: Bootstrap | undefined;
let synchronised = true;

export async function loadBootstrap(): Promise<Bootstrap> {
  boot = await api<Bootstrap>('GET', '/panel/bootstrap', undefined, { quiet: true });
  setClock(boot.timezone, boot.now);
  synchronised = boot.synchronised;
  return boot;
}

/** Re-read the gateway's clock (the desk's timers run on it, not on the desk PC's clock). */
export async function syncClock(): Promise<void> {
  const c = await api<{ now: number; timezone: string; synchronised: boolean }>('GET', '/panel/clock');
  setClock(c.timezone, c.now);
  synchronised = c.synchronised;
}

/** Whether the gateway's clock was synchronised (NTP) when last asked. */
export function clockSynchronised(): boolean {
  return synchronised;
}

export function clearBootstrap(): void {
  boot = undefined;
}

export function role(): Role | undefined {
  return boot?.me.role;
}

const CAPS = {
  desk: ['admin', 'receptionist', 'security'],
  arrive: ['admin', 'receptionist'],
  deskSteps: ['admin', 'receptionist'],
  screen: ['admin', 'receptionist', 'security'],
  refuseScreening: ['admin', 'security'],
  hostView: ['host'],
  doors: ['admin', 'receptionist', 'security', 'facilities'],
  controlDoors: ['admin', 'security', 'facilities'],
  simulate: ['admin', 'receptionist'],
  people: ['admin', 'receptionist', 'security', 'facilities'],
  outstanding: ['admin', 'receptionist', 'security'],
  recap: ['admin', 'receptionist'],
  admin: ['admin'],
  watchlist: ['admin', 'security'],
  badges: ['admin', 'receptionist', 'security'],
} as const satisfies Record<string, readonly Role[]>;

export type Cap = keyof typeof CAPS;

export function can(cap: Cap): boolean {
  const r = role();
  return r !== undefined && (CAPS[cap] as readonly Role[]).includes(r);
}

export function host(id: string): Host | undefined {
  return boot?.hosts.find((h) => h.id === id);
}

/** The purpose as the desk reads it: its category's name, then the words ("Rapat · ..."). */
export function purposeText(v: { purpose: string; purposeCategory?: string }): string {
  const c = boot?.purposes.find((p) => p.id === v.purposeCategory);
  if (!c) return v.purpose;
  return `${getLang() === 'en' ? c.nameEn : c.name} · ${v.purpose}`;
}

export function hostName(id: string): string {
  return host(id)?.name ?? id;
}

export function doorName(id: string): string {
  return boot?.doors.find((d) => d.id === id)?.name ?? id;
}

/** Refresh the hosts after an admin change (or a live host.saved). */
export async function reloadHosts(): Promise<void> {
  if (!boot) return;
  boot.hosts = await api<Host[]>('GET', '/hosts');
}
