// Expected guests (tamu terjadwal): registered by a host or the desk, listed for the desk by
// day, opened by their code (typed by the desk's QR scanner), turned into an arrival with one
// action, or cancelled. The rules are domain/appointment.ts; this file journals what they allow.
import { randomBytes } from 'node:crypto';
import {
  APPOINTMENT_CODE_LENGTH,
  type Appointment,
  type AppointmentTerms,
  type AppointmentView,
  appointmentCode,
  appointmentStatus,
  cancelAppointment,
  registerAppointment,
} from '../domain/appointment.js';
import { DomainError } from '../domain/errors.js';
import { dateOf } from '../domain/time.js';
import type { Actor, Visit } from '../domain/types.js';
import type { Core } from './core.js';
import type { VisitService } from './visits.js';

export interface AppointmentLimits {
  /** config visits.appointmentMaxDays */
  maxDays: number;
  /** config visits.appointmentsPerDay */
  perDay: number;
  /** config visits.purposes ids */
  purposeCategories: readonly string[];
  /** Category id -> its name (Bahasa Indonesia): the purpose in words of an arrival booked without one. */
  purposeNames?: ReadonlyMap<string, string>;
}

/** The request: the appointment's terms, with the guest in full rather than by id. */
export interface AppointmentInputBody
  extends Pick<AppointmentTerms, 'hostId' | 'date' | 'from' | 'until' | 'purposeCategory' | 'purpose'> {
  guest: { name: string; institution: string; phone?: string; guestId?: string };
}

export class AppointmentService {
  constructor(
    private readonly core: Core,
    private readonly visits: VisitService,
    private readonly limits: AppointmentLimits,
  ) {}

  private get timezone(): string {
    return this.core.state.policy.timezone;
  }

  view(a: Appointment, now = this.core.now()): AppointmentView {
    return { ...a, status: appointmentStatus(a, now, this.timezone) };
  }

  today(): string {
    return dateOf(this.core.now(), this.timezone);
  }

  /** The appointments of a day (today and later: older ones left live state), by window start. */
  ofDay(date: string, hostId?: string): AppointmentView[] {
    const now = this.core.now();
    return [...this.core.state.appointments.values()]
      .filter((a) => a.date === date && (!hostId || a.hostId === hostId))
      .sort((a, b) => a.from.localeCompare(b.from) || a.createdAt - b.createdAt)
      .map((a) => this.view(a, now));
  }

  get(code: string): Appointment | undefined {
    return this.core.state.appointments.get(code.trim().toUpperCase());
  }

  /**
   * Register an expected guest. `preApproved`: the host registered it themselves, so the desk
   * may record the host's acceptance when the guest arrives (the decision is still a step).
   */
  async register(input: AppointmentInputBody, actor: Actor, preApproved: boolean): Promise<AppointmentView> {
    const base = {
      appointmentId: appointmentCode(randomBytes(APPOINTMENT_CODE_LENGTH)),
      guestId: input.guest.guestId ?? '',
      institution: input.guest.institution,
      hostId: input.hostId,
      date: input.date,
      from: input.from,
      until: input.until,
      purposeCategory: input.purposeCategory,
      ...(input.purpose !== undefined ? { purpose: input.purpose } : {}),
      preApproved,
    };
    // Checked before the guest is written: a refused request leaves no personal data.
    registerAppointment(base, this.context(this.core.now()));
    this.checkRoom(input.date);
    const guest = await this.visits.upsertGuest(input.guest);
    return this.core.transact(actor, (now) => {
      this.checkRoom(input.date);
      const event = registerAppointment({ ...base, guestId: guest.id }, this.context(now));
      return {
        events: [event],
        result: () => this.view(this.mustGet(base.appointmentId)),
      };
    });
  }

  cancel(code: string, reason: string | undefined, actor: Actor): Promise<AppointmentView> {
    return this.core.transact(actor, () => {
      const a = this.mustGet(code);
      return { events: [cancelAppointment(a, reason)], result: () => this.view(this.mustGet(a.id)) };
    });
  }

  /** The expected guest is here: SOP step 1 with the appointment's fields, in one action. */
  async arrive(code: string, actor: Actor, phone?: string): Promise<Visit> {
    const a = this.mustGet(code);
    const known = a.guestId ? this.core.guest(a.guestId)?.phone : undefined;
    phone = phone ?? known;
    return this.visits.arrive(
      {
        guest: {
          name: a.guestName,
          institution: a.institution,
          ...(phone ? { phone } : {}),
          ...(a.guestId ? { guestId: a.guestId } : {}),
        },
        purpose: a.purpose ?? this.limits.purposeNames?.get(a.purposeCategory) ?? a.purposeCategory,
        purposeCategory: a.purposeCategory,
        hostId: a.hostId,
        appointmentId: a.id,
      },
      actor,
    );
  }

  private mustGet(code: string): Appointment {
    const a = this.get(code);
    if (!a) throw new DomainError('not_found', 'appointment not found');
    return a;
  }

  /** A day holds at most appointmentsPerDay: the saved state stays bounded. */
  private checkRoom(date: string): void {
    let n = 0;
    for (const a of this.core.state.appointments.values()) if (a.date === date) n++;
    if (n >= this.limits.perDay) {
      throw new DomainError(
        'conflict',
        `${date} already has ${n} appointments (visits.appointmentsPerDay)`,
        'date',
        { state: 'full' },
      );
    }
  }

  private context(now: number) {
    return {
      now,
      timezone: this.timezone,
      maxDays: this.limits.maxDays,
      hosts: this.core.state.hosts,
      purposeCategories: this.limits.purposeCategories,
    };
  }
}
