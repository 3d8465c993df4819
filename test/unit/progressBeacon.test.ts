import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HEARTBEAT_INTERVAL_MS, ProgressBeacon, isHeartbeat, type Heartbeat } from '../../src/worker/progress';

describe('ProgressBeacon', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('beats once on attach, then about once a second while a call is in flight, with the phase and a moving counter', async () => {
    const beats: Heartbeat[] = [];
    const beacon = new ProgressBeacon();
    beacon.attach({ postMessage: (beat) => beats.push(beat) });
    expect(beats).toEqual([{ phase: 'idle', progress: 0 }]);
    let finish!: () => void;
    const call = beacon.track('init', () => new Promise<string>((resolve) => (finish = () => resolve('info'))));
    await vi.advanceTimersByTimeAsync(HEARTBEAT_INTERVAL_MS);
    beacon.step('gpu device');
    await vi.advanceTimersByTimeAsync(HEARTBEAT_INTERVAL_MS * 2);
    expect(beats.slice(1)).toEqual([
      { phase: 'init', progress: 1 },
      { phase: 'gpu device', progress: 2 },
      { phase: 'gpu device', progress: 2 },
    ]);
    finish();
    await expect(call).resolves.toBe('info');
    // One more beat reports the call's end; then an idle worker is quiet.
    await vi.advanceTimersByTimeAsync(HEARTBEAT_INTERVAL_MS * 5);
    expect(beats.slice(4)).toEqual([{ phase: 'gpu device', progress: 3 }]);
  });

  it('reports a call shorter than the interval, and passes its rejection through', async () => {
    const beats: Heartbeat[] = [];
    const beacon = new ProgressBeacon();
    beacon.attach({ postMessage: (beat) => beats.push(beat) });
    const failure = new Error('no adapter');
    await expect(beacon.track('process', () => Promise.reject(failure))).rejects.toBe(failure);
    await vi.advanceTimersByTimeAsync(HEARTBEAT_INTERVAL_MS);
    expect(beats.at(-1)).toEqual({ phase: 'process', progress: 2 });
    beacon.detach();
    await beacon.track('process', async () => undefined);
    await vi.advanceTimersByTimeAsync(HEARTBEAT_INTERVAL_MS * 3);
    expect(beats).toHaveLength(2);
  });

  it('counts without a sink (callers that give no port)', async () => {
    const beacon = new ProgressBeacon();
    await expect(beacon.track('init', async () => 1)).resolves.toBe(1);
  });
});

describe('isHeartbeat', () => {
  it('accepts beats only', () => {
    expect(isHeartbeat({ phase: 'frame', progress: 3 })).toBe(true);
    for (const other of [null, undefined, 3, 'frame', { phase: 'frame' }, { progress: 1 }, { phase: 1, progress: 1 }]) expect(isHeartbeat(other)).toBe(false);
  });
});
