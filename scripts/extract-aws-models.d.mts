/** The AWS model folders whose subsets the tests check emulator responses against (`stepfunctions`, `ssm`, ...). */
export declare const MODEL_FOLDERS: readonly string[];

/** The subset of a service model that `operations` reach, documentation removed. */
export declare function subsetModel(model: unknown, operations: readonly string[]): unknown;
