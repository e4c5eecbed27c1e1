import type { BreakdownLine } from '../breakdown';
import type { Dec } from '../money';
import type { FieldReader } from '../spec-reader';
import { chargeFlat, FLAT_FIELDS, parseFlat, type FlatModel } from './flat';
import {
  chargeGraduatedPercentage,
  GRADUATED_PERCENTAGE_FIELDS,
  parseGraduatedPercentage,
  type GraduatedPercentageModel,
} from './graduated-percentage';
import { chargeGraduatedUnits, GRADUATED_FIELDS, parseGraduated, type GraduatedModel } from './graduated';
import { chargePackage, PACKAGE_FIELDS, parsePackage, type PackageModel } from './package';
import { PERCENTAGE_FIELDS, parsePercentage, type PercentageModel } from './percentage';
import { chargeUnit, parseUnit, UNIT_FIELDS, type UnitModel } from './unit';
import { chargeVolumeUnits, parseVolume, VOLUME_FIELDS, type VolumeModel } from './volume';

export type ModelName =
  'flat' | 'unit' | 'package' | 'graduated' | 'volume' | 'percentage' | 'graduated_percentage';

/** Models rated on one quantity (for graduated_percentage, an amount). */
export type QuantityModel =
  FlatModel | UnitModel | PackageModel | GraduatedModel | VolumeModel | GraduatedPercentageModel;
/** A validated model, ready to rate. */
export type CompiledModel = QuantityModel | PercentageModel;

/** The fields each model owns, besides the common ones. */
export const MODEL_FIELDS: Readonly<Record<ModelName, readonly string[]>> = {
  flat: FLAT_FIELDS,
  unit: UNIT_FIELDS,
  package: PACKAGE_FIELDS,
  graduated: GRADUATED_FIELDS,
  volume: VOLUME_FIELDS,
  percentage: PERCENTAGE_FIELDS,
  graduated_percentage: GRADUATED_PERCENTAGE_FIELDS,
};

export const MODEL_NAMES = Object.keys(MODEL_FIELDS) as ModelName[];

export function parseModel(name: ModelName, r: FieldReader): CompiledModel {
  switch (name) {
    case 'flat':
      return parseFlat(r);
    case 'unit':
      return parseUnit(r);
    case 'package':
      return parsePackage(r);
    case 'graduated':
      return parseGraduated(r);
    case 'volume':
      return parseVolume(r);
    case 'percentage':
      return parsePercentage(r);
    case 'graduated_percentage':
      return parseGraduatedPercentage(r);
  }
}

export function chargeQuantity(m: QuantityModel, quantity: Dec, lines: BreakdownLine[] | null): Dec {
  switch (m.name) {
    case 'flat':
      return chargeFlat(m, lines);
    case 'unit':
      return chargeUnit(m, quantity, lines);
    case 'package':
      return chargePackage(m, quantity, lines);
    case 'graduated':
      return chargeGraduatedUnits(m, quantity, lines);
    case 'volume':
      return chargeVolumeUnits(m, quantity, lines);
    case 'graduated_percentage':
      return chargeGraduatedPercentage(m, quantity, lines);
  }
}

export { chargeEvents, type PercentageModel } from './percentage';
export type { FlatModel, UnitModel, PackageModel, GraduatedModel, VolumeModel, GraduatedPercentageModel };
export type { Tier } from './tiers';
