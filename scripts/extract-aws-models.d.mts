/** The operations the emulator serves, per AWS model folder (`stepfunctions`, `ssm`, ...). */
export declare const SERVED: Readonly<Record<string, readonly string[]>>;

/** The subset of a service model that `operations` reach, documentation removed. */
export declare function subsetModel(model: unknown, operations: readonly string[]): unknown;
