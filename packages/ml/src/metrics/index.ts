// Evaluation metrics (being built).
export {};
