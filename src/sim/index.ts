/**
 * The Vast.ai market simulator: a pure Market (runs in Node too) and its Durable Object shell (./object).
 * @module
 */

export { Market } from "./market";
export { initialState, DEFAULT_START_MS, DEFAULT_CREDIT, type MarketOptions } from "./state";
export { DEFAULT_FAULT_RATES, DEFAULT_API_FAULTS } from "./faults";
export { ControlInput } from "./control";
export { OCI_ERROR_MSG } from "./lifecycle";
export { FAULT_KINDS, ENDPOINTS, type FaultKind, type Endpoint, type MarketState } from "./types";
