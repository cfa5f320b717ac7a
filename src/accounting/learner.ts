/**
 * The learner's progress as the workers show it: the newest weights step any of them runs, and
 * when that last rose. Pure, from a pass's workers.
 * @module
 */
import { z } from "zod";
import type { WorkerView } from "../reconcile/report";

export const LearnerStep = z.object({ step: z.number().int(), movedAt: z.number() });
export type LearnerStep = z.infer<typeof LearnerStep>;

/**
 * The highest step seen rises when a worker loads newer weights. It never falls: the worker with
 * the newest weights leaving says nothing of the learner.
 */
export function advanceLearnerStep(
  mark: LearnerStep | null,
  workers: readonly Pick<WorkerView, "step">[],
  now: number,
): LearnerStep | null {
  const steps = workers.flatMap((w) => (w.step === null ? [] : [w.step]));
  if (steps.length === 0) return mark;
  const top = Math.max(...steps);
  return mark === null || top > mark.step ? { step: top, movedAt: now } : mark;
}
