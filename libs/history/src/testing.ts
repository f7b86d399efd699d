/**
 * `@runbooks/history/testing`: the RunStore contract suite, for adapters written outside this
 * package. Call `describeRunStoreContract(name, factory)` from a Jest spec; it needs Jest's
 * globals (`describe`, `it`, `expect`, `beforeEach`, `afterEach`) and `fast-check`.
 */
export { describeRunStoreContract } from './lib/run-store.contract';
export type { RunStoreContractOptions, RunStoreFactory } from './lib/run-store.contract';
