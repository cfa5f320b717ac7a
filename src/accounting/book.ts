/**
 * What a recorded pass adds to the fleet's books and to the learner's progress: pure, applied by
 * the fleet's runner to the state the pass leaves, before it is stored.
 * @module
 */
import type { PassReport } from "../reconcile/report";
import type { FleetState } from "../reconcile/state";
import { advanceLearnerStep } from "./learner";
import { advanceLedger, readingOf } from "./ledger";

/** A pass that saw nothing (or a dry run) changes neither: the next observed pass bills the time. */
export function bookPass(state: FleetState, report: PassReport): FleetState {
  return {
    ...state,
    ledger: advanceLedger(state.ledger, readingOf(report), report.at),
    learnerStep: advanceLearnerStep(state.learnerStep, report.workers, report.at),
  };
}
