import type { Clock } from "./types";

/** Sim time: `baseSimMs + (realNow - realBaseMs) * speed + advancedMs`; speed 0 freezes it for tests. */
export function simNow(clock: Clock, realNowMs: number): number {
  const real = clock.realBaseMs === null ? 0 : (realNowMs - clock.realBaseMs) * clock.speed;
  return Math.floor(clock.baseSimMs + real + clock.advancedMs);
}

/** Re-anchors at the current sim time, so a speed change never makes the clock jump. */
export function setSpeed(clock: Clock, speed: number, realNowMs: number): void {
  clock.baseSimMs = simNow(clock, realNowMs);
  clock.realBaseMs = realNowMs;
  clock.advancedMs = 0;
  clock.speed = speed;
}

export function newClock(startMs: number, speed: number): Clock {
  return { baseSimMs: startMs, realBaseMs: null, speed, advancedMs: 0 };
}
