import { Inject, Injectable } from '@nestjs/common';
import { billingSettings, type SellerProfile } from '@mu/billing';
import { DB, type Db } from '../db/db.module';
import { ValidationFailedError } from '../http/errors';
import type { BillingSettingsDto, PutBillingSettingsDto } from './billing-settings.dto';

/**
 * The tenant's seller profile and invoicing settings (one row per tenant, the defaults until the
 * first PUT). Invoices copy the seller when they are computed, so a change here reaches drafts
 * and future invoices, never an issued one.
 */
@Injectable()
export class BillingSettingsService {
  constructor(@Inject(DB) private readonly db: Db) {}

  async get(tenantId: string): Promise<BillingSettingsDto> {
    const s = await billingSettings(this.db, tenantId);
    const row = await this.db
      .selectFrom('tenant_billing_settings')
      .select('updated_at')
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return { ...s, updatedAt: row?.updated_at.toISOString() ?? null };
  }

  async put(tenantId: string, input: PutBillingSettingsDto): Promise<BillingSettingsDto> {
    const current = await billingSettings(this.db, tenantId);
    const next = {
      seller: input.seller ? sellerOf(input.seller) : current.seller,
      gracePeriodHours: input.gracePeriodHours ?? current.gracePeriodHours,
      invoiceNumberFormat: input.invoiceNumberFormat ?? current.invoiceNumberFormat,
      creditNoteNumberFormat: input.creditNoteNumberFormat ?? current.creditNoteNumberFormat,
      netTermsDays: input.netTermsDays ?? current.netTermsDays,
    };
    // Both sequences print through their formats: the same format would give an invoice and a
    // credit note the same number.
    if (next.invoiceNumberFormat === next.creditNoteNumberFormat) {
      throw new ValidationFailedError([
        {
          path: input.creditNoteNumberFormat !== undefined ? 'creditNoteNumberFormat' : 'invoiceNumberFormat',
          message:
            'invoices and credit notes need different number formats (e.g. MU-{YYYY}-{SEQ:6} and CN-{YYYY}-{SEQ:6})',
        },
      ]);
    }
    const values = {
      seller: JSON.stringify(next.seller),
      grace_period_hours: next.gracePeriodHours,
      invoice_number_format: next.invoiceNumberFormat,
      credit_note_number_format: next.creditNoteNumberFormat,
      net_terms_days: next.netTermsDays,
      updated_at: new Date(),
    };
    await this.db
      .insertInto('tenant_billing_settings')
      .values({ tenant_id: tenantId, ...values })
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet(values))
      .execute();
    return this.get(tenantId);
  }
}

/** Only the fields given, in a stable order (the DTO instance carries no undefined keys to JSON). */
function sellerOf(s: NonNullable<PutBillingSettingsDto['seller']>): SellerProfile {
  return {
    name: s.name,
    ...(s.address
      ? {
          address: {
            ...(s.address.line1 !== undefined ? { line1: s.address.line1 } : {}),
            ...(s.address.line2 !== undefined ? { line2: s.address.line2 } : {}),
            ...(s.address.city !== undefined ? { city: s.address.city } : {}),
            ...(s.address.postalCode !== undefined ? { postalCode: s.address.postalCode } : {}),
            ...(s.address.region !== undefined ? { region: s.address.region } : {}),
            country: s.address.country.toUpperCase(),
          },
        }
      : {}),
    ...(s.taxIds ? { taxIds: s.taxIds.map((t) => ({ type: t.type, value: t.value })) } : {}),
    ...(s.email !== undefined ? { email: s.email } : {}),
    ...(s.registrations ? { registrations: s.registrations } : {}),
  };
}
