import { IsIn, IsString, Length, Matches } from 'class-validator';
import type { MessageContract } from '../validation';
import { NORMALISED_TIME } from './usage-event';

export const CATALOG_KINDS = ['customer', 'meter', 'plan', 'subscription'] as const;
export const CATALOG_ACTIONS = ['created', 'updated', 'deleted'] as const;

/** Announces a catalog change on `catalog.changed.v1` so caches in other services refresh. */
export class CatalogChangedV1 {
  @IsString() @Length(1, 64) tenantId!: string;
  @IsIn(CATALOG_KINDS) kind!: (typeof CATALOG_KINDS)[number];
  @IsString() @Length(1, 128) id!: string;
  @IsIn(CATALOG_ACTIONS) action!: (typeof CATALOG_ACTIONS)[number];
  @IsString() @Matches(NORMALISED_TIME) at!: string;
}

export const CatalogChanged: MessageContract<CatalogChangedV1> = {
  name: 'catalog.changed',
  version: 1,
  schema: CatalogChangedV1,
};
