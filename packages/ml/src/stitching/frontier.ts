// The Pareto frontier, budget selection and Spearman correlation live in @anchorage/contracts (pure
// code shared with the API and the coordinator); re-exported here for ML callers.
export { averageRanks, bestUnderBudget, paretoFrontier, spearman, type Budget, type CostKey, type FrontierOptions } from '@anchorage/contracts';
