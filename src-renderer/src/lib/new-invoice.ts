// The new-invoice form's rules: where it starts (the node's default for the mode), which asset it
// keeps when the network changes, and the body it sends (trimmed, empty optional fields left out).
import type { AdminInput, AdminOutput, Mode } from '../../../src-server/admin/contract.ts';

export type InvoiceOptions = AdminOutput<'GET /invoice-options'>;
export type CreateInvoiceBody = AdminInput<'POST /invoices'>['body'];

export interface NewInvoiceForm {
  network: string;
  asset: string;
  amount: string;
  description: string;
  customId: string;
  email: string;
}

const PREFERRED_ASSET = 'USDT';

export function emptyForm(options: InvoiceOptions | undefined): NewInvoiceForm {
  return { network: options?.default?.network ?? '', asset: options?.default?.asset ?? '', amount: '', description: '', customId: '', email: '' };
}

/** The assets the form offers on a network (none for a network the node does not offer). */
export function assetsOf(options: InvoiceOptions | undefined, network: string): string[] {
  return options?.networks.find((n) => n.id === network)?.assets ?? [];
}

/** After a network change: the same asset if that network has it, else USDT, else its first asset. */
export function assetAfterNetworkChange(options: InvoiceOptions | undefined, network: string, current: string): string {
  const assets = assetsOf(options, network);
  if (assets.includes(current)) return current;
  if (assets.includes(PREFERRED_ASSET)) return PREFERRED_ASSET;
  return assets[0] ?? '';
}

export function createInvoiceBody(mode: Mode, form: NewInvoiceForm): CreateInvoiceBody {
  const optional = (value: string) => {
    const v = value.trim();
    return v === '' ? undefined : v;
  };
  const body: CreateInvoiceBody = { mode, network: form.network, asset: form.asset, amount: form.amount.trim() };
  const description = optional(form.description);
  const customId = optional(form.customId);
  const email = optional(form.email);
  if (description !== undefined) body.description = description;
  if (customId !== undefined) body.custom_id = customId;
  if (email !== undefined) body.customer_email = email;
  return body;
}
