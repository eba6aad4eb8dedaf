/** Stand-in handler: the infra tests bundle these instead of the real ones (fast, independent of src/). */
export const handler = async (event: unknown): Promise<unknown> => ({ task: 'run-step', event });
