// The merge platform (DESIGN.md §4, ADR 0012): causality, canonical order,
// fork detection, merge strategies and the auditable merge event. Pure; knows
// no domain.
export * from './causality';
export * from './canonical-order';
export * from './fork-detection';
export * from './home-move';
export * from './merge-event';
export * from './merge-json';
export * from './merge-planner';
export * from './merge-policy';
export * from './strategies/add-wins-set';
export * from './strategies/lww-register';
export * from './strategies/max-register';
export * from './strategies/pn-counter';
