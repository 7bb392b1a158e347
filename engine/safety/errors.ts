// The error a bad configuration value or an invalid request raises: the api answers it with 400 (its
// statusCode), and Temporal treats it as non-retryable (its name is in NON_RETRYABLE_ERROR_TYPES).

export interface ValidationIssue {
  /** Dotted path inside the value ('' for the value itself). */
  path: string;
  message: string;
}

export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  readonly statusCode = 400;
  readonly issues: ValidationIssue[];

  constructor(message: string, issues: ValidationIssue[] = []) {
    super(message);
    this.issues = issues;
  }
}
