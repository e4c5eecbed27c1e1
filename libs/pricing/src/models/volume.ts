import type { BreakdownLine } from '../breakdown';
import type { Dec } from '../money';
import type { FieldReader } from '../spec-reader';
import { chargeVolume, parseTiers, type Tier } from './tiers';

/** `volume`: the whole quantity at the `unitAmount` of the one tier containing it, plus that tier's `flatAmount`. */
export interface VolumeModel {
  readonly name: 'volume';
  readonly tiers: readonly Tier[];
}

export const VOLUME_FIELDS = ['tiers'] as const;

export function parseVolume(r: FieldReader): VolumeModel {
  return { name: 'volume', tiers: parseTiers(r, 'unitAmount', 'a volume tier') };
}

export function chargeVolumeUnits(m: VolumeModel, quantity: Dec, lines: BreakdownLine[] | null): Dec {
  return chargeVolume(m.tiers, quantity, lines);
}
