import type { IAsyncProperty, IProperty } from 'fast-check';

export interface HostileInputProperty {
  readonly name: string;
  readonly property: IProperty<unknown[]> | IAsyncProperty<unknown[]>;
  /** Its share of a run's inputs. */
  readonly weight: number;
}

export declare const hostileInputProperties: readonly HostileInputProperty[];
