// Inference windows from a marker channel: the host drives a GPIO high for the duration of each
// inference, so a window is a run of high samples (rising edge → falling edge). Short runs and
// short dips are noise (contact bounce, a logic input near its threshold) and are debounced away.
import { TraceError } from './trace.js';

export interface SampleWindow {
  /** First and last high sample (inclusive). */
  first: number;
  last: number;
}

export interface MarkerWindows {
  windows: SampleWindow[];
  /** High runs of at most `debounceSamples` samples that were discarded. */
  glitches: number;
  /** Low dips of at most `debounceSamples` samples that were bridged inside a window. */
  bridged: number;
  /** A window already high at the first sample (started before the capture): discarded. */
  openAtStart: boolean;
  /** A window still high at the last sample (ended after the capture): discarded. */
  openAtEnd: boolean;
}

export interface DetectOptions {
  /** Runs (high or low) of this many samples or fewer are noise. Default 2. */
  debounceSamples?: number;
}

/** High runs of the marker, debounced: dips ≤ N samples are bridged, then highs ≤ N dropped. */
export function detectWindows(marker: Uint8Array, opts: DetectOptions = {}): MarkerWindows {
  const n = opts.debounceSamples ?? 2;
  if (!Number.isInteger(n) || n < 0) throw new TraceError(`debounce must be a whole number of samples >= 0, got ${n}`);
  const raw: SampleWindow[] = [];
  for (let i = 0; i < marker.length; ) {
    if (!marker[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < marker.length && marker[j + 1]) j++;
    raw.push({ first: i, last: j });
    i = j + 1;
  }
  // Bridge short dips first, so a bouncing edge inside an inference does not split it in two.
  const merged: SampleWindow[] = [];
  let bridged = 0;
  for (const w of raw) {
    const prev = merged[merged.length - 1];
    if (prev && w.first - prev.last - 1 <= n) {
      prev.last = w.last;
      bridged++;
    } else {
      merged.push({ ...w });
    }
  }
  const kept = merged.filter((w) => w.last - w.first + 1 > n);
  const glitches = merged.length - kept.length;
  const openAtStart = kept.length > 0 && kept[0].first === 0;
  const openAtEnd = kept.length > 0 && kept[kept.length - 1].last === marker.length - 1;
  const windows = kept.filter((w) => w.first > 0 && w.last < marker.length - 1);
  return { windows, glitches, bridged, openAtStart, openAtEnd };
}
