import type { PaymentEntry } from '../../src/platforms/agentpmt/payments/ledger.js';

export const BASE_USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const PAYEE = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

/** A well-formed ledger entry of 0.01 USD (USDC on Base), reserved now; tests override what they need. */
export function ledgerEntry(id: string, over: Partial<PaymentEntry> = {}): PaymentEntry {
  const now = new Date().toISOString();
  return {
    id,
    created_at: now,
    updated_at: now,
    status: 'reserved',
    description: 'test',
    kind: 'tool_invoke',
    call_key: `k-${id}`,
    method: 'POST',
    url: 'http://127.0.0.1:1/x',
    body: '{}',
    network: 'eip155:8453',
    asset: BASE_USDC,
    symbol: 'USDC',
    currency: 'USD',
    amount: '10000',
    pay_to: PAYEE,
    payer: PAYEE,
    attempts: 0,
    ...over,
  };
}
