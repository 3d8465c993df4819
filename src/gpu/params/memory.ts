/**
 * The background memory's counters are read back every this many frames (16 bytes, mapped
 * without waiting: the only read-back of the steady-state frame loop besides a captured plate's
 * fit). See src/pipeline/stages/backgroundMemory.ts.
 */
export const MEMORY_MEASURE_FRAMES = 15;
