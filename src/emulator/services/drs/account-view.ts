/**
 * What the modules beside the DRS account (launch settings, staging access) read and change of an
 * account. They take this view rather than the `DrsAccount` class, so the account can call them
 * without an import cycle; `DrsAccount` satisfies it.
 */
import type { Random } from '../../random.js';
import type { DrsAccountState, SourceServerRecord } from './records.js';

/** One account's DRS as the launch settings and staging checks see it. */
export interface DrsAccountView {
  /** The account's saved records (launch settings keep their own part in it). */
  readonly state: DrsAccountState;
  /** The account's seeded generator, for new ids. */
  readonly rng: Random;
  readonly accountId: string;
  readonly region: string;
  /** Saves the generator's state after drawing from `rng`. */
  syncRng(): void;
  /** A source server of the account, or undefined. */
  server(id: string): SourceServerRecord | undefined;
}
