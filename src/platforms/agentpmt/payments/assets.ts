// The stablecoins we can value (contracts §4). A payment in anything else is
// refused: we cannot tell the user what it costs.
export type Currency = 'USD' | 'EUR';
export type Symbol = 'USDC' | 'EURC';

export interface KnownAsset {
  chainId: number;
  network: string; // CAIP-2
  symbol: Symbol;
  currency: Currency;
  address: string; // checksummed
  decimals: 6;
}

const TABLE: [number, Symbol, string][] = [
  [8453, 'USDC', '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913'],
  [8453, 'EURC', '0x60a3E35Cc302bFA44Cb288Bc5a4F316Fdb1adb42'],
  [42161, 'USDC', '0xaf88d065e77c8cC2239327C5EDb3A432268e5831'],
  [10, 'USDC', '0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85'],
  [137, 'USDC', '0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359'],
  [43114, 'USDC', '0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E'],
  [43114, 'EURC', '0xC891EB4cbdEFf6e073e859e987815Ed1505c2ACD'],
  [84532, 'USDC', '0x036CbD53842c5426634e7929541eC2318f3dCF7e'],
  [84532, 'EURC', '0x808456652fdb597867f38412077A9182bf77359F'],
];

export const KNOWN_ASSETS: readonly KnownAsset[] = TABLE.map(([chainId, symbol, address]) => ({
  chainId,
  network: `eip155:${chainId}`,
  symbol,
  currency: symbol === 'USDC' ? 'USD' : 'EUR',
  address,
  decimals: 6,
}));

/**
 * EIP-712 domains (name, version) we are sure of, used only when a challenge's
 * `extra` leaves them out (the seed marks `extra` optional; its example is {}).
 * Only USDC: its domain is published per chain (contracts §4 names Base and
 * Base Sepolia); an asset without an entry here and without `extra` is refused.
 */
const DOMAINS: Record<string, { name: string; version: string }> = {
  'eip155:8453/0x833589fcd6edb6e08f4c7c32d4f71b54bda02913': { name: 'USD Coin', version: '2' },
  'eip155:42161/0xaf88d065e77c8cc2239327c5edb3a432268e5831': { name: 'USD Coin', version: '2' },
  'eip155:10/0x0b2c639c533813f4aa9d7837caf62653d097ff85': { name: 'USD Coin', version: '2' },
  'eip155:137/0x3c499c542cef5e3811e1192ce70d8cc03d5c3359': { name: 'USD Coin', version: '2' },
  'eip155:43114/0xb97ef9ef8734c71904d8002f8b6bc66dd9c48a6e': { name: 'USD Coin', version: '2' },
  'eip155:84532/0x036cbd53842c5426634e7929541ec2318f3dcf7e': { name: 'USDC', version: '2' },
};

/** The token's EIP-712 domain from our own table, when we know it. */
export function knownDomain(network: string, address: string): { name: string; version: string } | undefined {
  return DOMAINS[`${network}/${address.toLowerCase()}`];
}

export const CHAIN_NAMES: Record<number, string> = { 8453: 'Base', 42161: 'Arbitrum', 10: 'Optimism', 137: 'Polygon', 43114: 'Avalanche', 84532: 'Base Sepolia' };

export function findAsset(network: string, address: string): KnownAsset | undefined {
  return KNOWN_ASSETS.find((a) => a.network === network && a.address.toLowerCase() === address.toLowerCase());
}

export function assetBySymbol(chainId: number, symbol: Symbol): KnownAsset | undefined {
  return KNOWN_ASSETS.find((a) => a.chainId === chainId && a.symbol === symbol);
}

/** "1.25" → 1250000n for a 6-decimal token; exact, no floating point. */
export function parseAmount(text: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not an amount with at most 6 decimals`);
  return BigInt(m[1]!) * 1_000_000n + BigInt((m[2] ?? '').padEnd(6, '0'));
}

/** 1250000n → "1.25" */
export function formatAmount(units: bigint): string {
  const whole = units / 1_000_000n;
  const frac = (units % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac.padEnd(2, '0')}` : `${whole}.00`;
}
