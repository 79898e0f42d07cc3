// The desk's notice of a host's decision: the visit's card is highlighted until the desk has
// had it in view for a few seconds (display.noticeSeconds; time with the page hidden or the
// window in the background does not count), and, when the desk turned it on, a short chime.
// The chime is made with the Web Audio API (two sine tones): no audio file, nothing fetched.
const CHIME_KEY = 'pintu.chime';

export function chimeOn(): boolean {
  try {
    return localStorage.getItem(CHIME_KEY) === '1';
  } catch {
    return false;
  }
}

let audio: AudioContext | undefined;

/**
 * Turns the chime on or off, remembered in this browser. Called from the toggle's click: a
 * browser lets a page make sound once a person has acted on it, so the context is made here.
 */
export function setChime(on: boolean): void {
  try {
    if (on) localStorage.setItem(CHIME_KEY, '1');
    else localStorage.removeItem(CHIME_KEY);
  } catch {}
  if (on) {
    audio ??= new AudioContext();
    void audio.resume().catch(() => undefined);
  }
}

/**
 * After a reload a browser keeps a page silent until a person acts on it again: the desk's
 * first click or key wakes the sound, so the chime is heard from then on. Returns the undo.
 */
export function armChime(): () => void {
  const wake = () => {
    off();
    if (!chimeOn()) return;
    audio ??= new AudioContext();
    void audio.resume().catch(() => undefined);
  };
  const off = () => {
    document.removeEventListener('pointerdown', wake);
    document.removeEventListener('keydown', wake);
  };
  document.addEventListener('pointerdown', wake);
  document.addEventListener('keydown', wake);
  return off;
}

/** Two short rising tones (about 0.4 s), quiet enough for a front desk. */
export function chime(): void {
  if (!chimeOn()) return;
  try {
    audio ??= new AudioContext();
    const ctx = audio;
    void ctx.resume().catch(() => undefined);
    const start = ctx.currentTime + 0.02;
    [660, 880].forEach((hz, i) => {
      const at = start + i * 0.18;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = hz;
      // A soft attack and decay: no click at either end.
      gain.gain.setValueAtTime(0, at);
      gain.gain.linearRampToValueAtTime(0.2, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.001, at + 0.16);
      osc.connect(gain).connect(ctx.destination);
      osc.start(at);
      osc.stop(at + 0.17);
    });
  } catch {
    // No Web Audio (or refused): the highlight still says it.
  }
}

/** Whether the desk can see the page now: shown, and its window in front. */
function inView(): boolean {
  return document.visibilityState === 'visible' && document.hasFocus();
}

/** Visits with a decision the desk has not looked at yet, and how long each was in view. */
export class DecisionNotices {
  private readonly viewedMs = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly holdMs: number,
    /** Called when a notice ends, so the view drops its highlight. */
    private readonly onEnd: (visitId: string) => void,
  ) {}

  add(visitId: string): void {
    this.viewedMs.set(visitId, 0);
    chime();
    this.timer ??= setInterval(() => this.tick(), 500);
  }

  has(visitId: string): boolean {
    return this.viewedMs.has(visitId);
  }

  /** The desk acted on the visit: its notice has done its work. */
  seen(visitId: string): void {
    if (this.viewedMs.delete(visitId)) this.onEnd(visitId);
    this.stopIfIdle();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.viewedMs.clear();
  }

  private tick(): void {
    if (!inView()) return;
    for (const [id, ms] of this.viewedMs) {
      if (ms + 500 < this.holdMs) this.viewedMs.set(id, ms + 500);
      else {
        this.viewedMs.delete(id);
        this.onEnd(id);
      }
    }
    this.stopIfIdle();
  }

  private stopIfIdle(): void {
    if (this.viewedMs.size > 0) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
