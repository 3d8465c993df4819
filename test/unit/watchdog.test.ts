import { describe, expect, it } from 'vitest';
import {
  FRAME_STALL_LIMIT_MS,
  LOADING_PHASE,
  PING_TIMEOUT_MS,
  SILENCE_LIMIT_MS,
  START_SILENCE_LIMIT_MS,
  START_STALL_LIMIT_MS,
  Watchdog,
  type Verdict,
} from '../../src/element/watchdog';

const QUIET: Verdict = { ping: false, hung: false, stalled: [] };

/** A watchdog whose worker answered its first call (watch) at t = 0: alive, beating. */
function aliveWatchdog(): Watchdog {
  const dog = new Watchdog();
  dog.callStarted(0, null, 0);
  dog.answered(0);
  dog.callEnded(0);
  return dog;
}

/** Checks every second from `from` to `to` (ms), after a heartbeat from `beat` when given; returns the first verdict that asks for something, and its time. */
function run(dog: Watchdog, from: number, to: number, beat: ((t: number) => { phase: string; progress: number }) | null): { at: number; verdict: Verdict } | null {
  for (let t = from; t <= to; t += 1000) {
    if (beat) dog.heartbeat(beat(t), t);
    const verdict = dog.check(t);
    if (verdict.ping || verdict.hung || verdict.stalled.length > 0) return { at: t, verdict };
  }
  return null;
}

describe('Watchdog', () => {
  it('a slow start-up with heartbeats and progress is not a hang, however long', () => {
    const dog = new Watchdog();
    dog.callStarted(1, START_STALL_LIMIT_MS, 0);
    // The script takes 8 s to load, then the engine takes a step every 50 s for 5 minutes.
    expect(run(dog, 0, 8_000, null)).toBeNull();
    const phases = ['init', 'gpu device', 'base network', 'pipeline', 'warm-up', 'verify', 'ready'];
    expect(run(dog, 8_000, 300_000, (t) => ({ phase: phases[Math.floor((t - 8_000) / 50_000)]!, progress: Math.floor((t - 8_000) / 50_000) }))).toBeNull();
    dog.answered(300_500);
    dog.callEnded(1);
    // Then a first frame that takes 45 s with no step after its start: slow, not stuck.
    dog.callStarted(2, FRAME_STALL_LIMIT_MS, 301_000);
    expect(run(dog, 301_000, 346_000, () => ({ phase: 'frame', progress: 7 }))).toBeNull();
  });

  it('silence while a call is in flight asks for a ping; an unanswered ping is a hang', () => {
    const dog = aliveWatchdog();
    dog.callStarted(1, FRAME_STALL_LIMIT_MS, 1_000);
    expect(run(dog, 1_000, 5_000, (t) => ({ phase: 'frame', progress: t }))).toBeNull();
    // The worker closes itself at 5 s: no beats from then on.
    const silent = run(dog, 6_000, 60_000, null);
    expect(silent).toEqual({ at: 5_000 + SILENCE_LIMIT_MS + 1_000, verdict: { ping: true, hung: false, stalled: [] } });
    dog.pingSent(silent!.at);
    expect(dog.check(silent!.at + PING_TIMEOUT_MS)).toEqual(QUIET);
    expect(dog.check(silent!.at + PING_TIMEOUT_MS + 1)).toEqual({ ping: false, hung: true, stalled: [] });
  });

  it('a start-up whose worker is blocked in synchronous work for 40 s (no heartbeats) is not a hang', () => {
    // The worker answered watch() at 0 and beat once in init; then onnxruntime-web creates its
    // session in wasm for 40 s on a loaded machine: no heartbeat, no answer to anything.
    const dog = aliveWatchdog();
    dog.callStarted(1, START_STALL_LIMIT_MS, 0, START_SILENCE_LIMIT_MS);
    dog.heartbeat({ phase: 'gpu device', progress: 2 }, 500);
    expect(run(dog, 1_000, 40_500, null)).toBeNull();
    // Its event loop runs again: the beats and the answer come.
    expect(run(dog, 41_000, 45_000, (t) => ({ phase: 'base network', progress: 3 + Math.floor(t / 1000) }))).toBeNull();
    dog.answered(45_500);
    dog.callEnded(1);
    // The same 40 s with only a frame in flight is a hang (the ping goes unanswered).
    const frame = aliveWatchdog();
    frame.callStarted(1, FRAME_STALL_LIMIT_MS, 0);
    const silent = run(frame, 1_000, 40_000, null);
    expect(silent?.verdict.ping).toBe(true);
    frame.pingSent(silent!.at);
    expect(frame.check(silent!.at + PING_TIMEOUT_MS + 1).hung).toBe(true);
  });

  it('a start-up whose worker really hung is found once the start-up silence limit and the ping are over', () => {
    const dog = aliveWatchdog();
    dog.callStarted(1, START_STALL_LIMIT_MS, 0, START_SILENCE_LIMIT_MS);
    const silent = run(dog, 1_000, 300_000, null);
    expect(silent).toEqual({ at: START_SILENCE_LIMIT_MS + 1_000, verdict: { ping: true, hung: false, stalled: [] } });
    dog.pingSent(silent!.at);
    expect(dog.check(silent!.at + PING_TIMEOUT_MS)).toEqual(QUIET);
    expect(dog.check(silent!.at + PING_TIMEOUT_MS + 1)).toEqual({ ping: false, hung: true, stalled: [] });
    // Still long before a start-up without progress would fail as stalled.
    expect(silent!.at + PING_TIMEOUT_MS).toBeLessThan(START_STALL_LIMIT_MS);
  });

  it('with several calls in flight the longest silence limit counts, until that call ends', () => {
    const dog = aliveWatchdog();
    // New options that load another backend, while a frame waits behind them.
    dog.callStarted(1, null, 0, START_SILENCE_LIMIT_MS);
    dog.callStarted(2, FRAME_STALL_LIMIT_MS, 0);
    expect(run(dog, 1_000, 30_000, null)).toBeNull();
    dog.answered(30_000);
    dog.callEnded(1);
    // Only the frame is left: the usual limit, counted from the answer.
    expect(run(dog, 31_000, 60_000, null)).toEqual({ at: 30_000 + SILENCE_LIMIT_MS + 1_000, verdict: { ping: true, hung: false, stalled: [] } });
  });

  it('a ping answered after a silence (the page was busy) is not a hang', () => {
    const dog = aliveWatchdog();
    dog.callStarted(1, FRAME_STALL_LIMIT_MS, 0);
    dog.heartbeat({ phase: 'frame', progress: 1 }, 0);
    expect(dog.check(SILENCE_LIMIT_MS + 500).ping).toBe(true);
    dog.pingSent(SILENCE_LIMIT_MS + 500);
    dog.signOfLife(SILENCE_LIMIT_MS + 700);
    expect(dog.check(SILENCE_LIMIT_MS + 700 + PING_TIMEOUT_MS + 1)).toEqual(QUIET);
  });

  it('no silence is judged while the worker is idle or its script is still loading', () => {
    const idle = aliveWatchdog();
    expect(idle.check(60_000)).toEqual(QUIET);
    // A call after a long idle time: silence counts from its start.
    idle.callStarted(1, null, 60_000);
    expect(idle.check(60_000 + SILENCE_LIMIT_MS)).toEqual(QUIET);
    expect(idle.check(60_000 + SILENCE_LIMIT_MS + 1).ping).toBe(true);

    const loading = new Watchdog();
    loading.callStarted(1, null, 0);
    expect(loading.check(100_000)).toEqual(QUIET);
  });

  it('heartbeats without progress past the stall limit fail the call, naming the phase', () => {
    const dog = aliveWatchdog();
    dog.callStarted(1, FRAME_STALL_LIMIT_MS, 1_000);
    dog.heartbeat({ phase: 'frame', progress: 5 }, 1_500);
    const stuck = run(dog, 2_000, 200_000, () => ({ phase: 'frame', progress: 5 }));
    expect(stuck).toEqual({ at: 1_500 + FRAME_STALL_LIMIT_MS + 500, verdict: { ping: false, hung: false, stalled: [{ id: 1, phase: 'frame' }] } });
    // Failed once: the call is no longer watched.
    expect(dog.check(stuck!.at + 1_000)).toEqual(QUIET);
  });

  it('a start-up whose script never loads stalls in the loading phase', () => {
    const dog = new Watchdog();
    dog.callStarted(1, START_STALL_LIMIT_MS, 0);
    expect(dog.check(START_STALL_LIMIT_MS).stalled).toEqual([]);
    expect(dog.check(START_STALL_LIMIT_MS + 1).stalled).toEqual([{ id: 1, phase: LOADING_PHASE }]);
  });

  it('calls without a stall limit only count for silence', () => {
    const dog = aliveWatchdog();
    dog.callStarted(1, null, 0);
    expect(run(dog, 0, 600_000, () => ({ phase: 'setOptions', progress: 1 }))).toBeNull();
  });

  it('a resume after a freeze re-arms the silence, ping and stall deadlines', () => {
    const dog = aliveWatchdog();
    dog.callStarted(1, FRAME_STALL_LIMIT_MS, 0);
    dog.heartbeat({ phase: 'frame', progress: 1 }, 0);
    // Frozen from 1 s to 70 s: no timers, no beats. The resume event comes first.
    dog.resumed(70_000);
    expect(dog.check(70_000)).toEqual(QUIET);
    expect(dog.check(70_000 + SILENCE_LIMIT_MS)).toEqual(QUIET);
    // A ping that was out when the page froze gets its full time again after the resume.
    const other = aliveWatchdog();
    other.callStarted(1, null, 0);
    other.pingSent(SILENCE_LIMIT_MS + 1);
    other.resumed(40_000);
    expect(other.check(40_000 + PING_TIMEOUT_MS)).toEqual(QUIET);
    expect(other.check(40_000 + PING_TIMEOUT_MS + 1).hung).toBe(true);
    // And the stall limit runs from the resume too.
    dog.heartbeat({ phase: 'frame', progress: 1 }, 70_500);
    expect(run(dog, 71_000, 70_000 + FRAME_STALL_LIMIT_MS, () => ({ phase: 'frame', progress: 1 }))).toBeNull();
    expect(dog.check(70_000 + FRAME_STALL_LIMIT_MS + 1).stalled).toEqual([{ id: 1, phase: 'frame' }]);
  });

  it('an answer is progress: it restarts the stall clock of the calls still in flight', () => {
    const dog = aliveWatchdog();
    dog.callStarted(1, FRAME_STALL_LIMIT_MS, 0);
    dog.callStarted(2, null, 0);
    dog.heartbeat({ phase: 'frame', progress: 1 }, 0);
    expect(run(dog, 1_000, 50_000, () => ({ phase: 'frame', progress: 1 }))).toBeNull();
    dog.answered(50_000);
    dog.callEnded(2);
    expect(run(dog, 51_000, 50_000 + FRAME_STALL_LIMIT_MS, () => ({ phase: 'frame', progress: 1 }))).toBeNull();
    expect(dog.check(50_000 + FRAME_STALL_LIMIT_MS + 1).stalled).toEqual([{ id: 1, phase: 'frame' }]);
  });
});
