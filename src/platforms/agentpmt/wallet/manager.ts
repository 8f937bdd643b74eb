import { promises as fs } from 'node:fs';
import type { Config } from '../../../config.js';
import { fail } from '../../../core/errors.js';
import { log } from '../../../core/log.js';
import { decryptKeystoreFile, parsePrivateKey, writeKeystoreFile, type Hex } from './keystore.js';
import type { TransferAuthorization, TransferDomain } from './x402-authorization.js';

// viem is loaded on first signature, not at start-up: importing it eagerly costs
// about 230 ms of cold start for every host launch, wallet or not.
let signerModule: Promise<typeof import('./signer.js')> | undefined;
let x402Module: Promise<typeof import('./x402-authorization.js')> | undefined;
const signer = () => (signerModule ??= import('./signer.js'));
const x402 = () => (x402Module ??= import('./x402-authorization.js'));

export type WalletSource = 'env' | 'keystore' | 'created';

/**
 * Holds the agent's key and is the only code that touches it. The key lives in a
 * private field: it is never returned, logged, serialized or put in an error;
 * callers get an address and signatures.
 */
export class WalletManager {
  #key: Hex | undefined;
  #address: Hex | undefined;
  #source: WalletSource | undefined;
  #loading: Promise<void> | undefined;

  readonly #config: Pick<Config, 'privateKey' | 'keystore' | 'keystorePassword'>;

  constructor(config: Pick<Config, 'privateKey' | 'keystore' | 'keystorePassword'>) {
    this.#config = config;
  }

  /** A wallet is configured when a key is set or a keystore file exists (it may still fail to unlock). */
  async isConfigured(): Promise<boolean> {
    if (this.#key || this.#config.privateKey) return true;
    return fs.access(this.#config.keystore).then(
      () => true,
      () => false,
    );
  }

  get keystorePath(): string {
    return this.#config.keystore;
  }

  get source(): WalletSource | undefined {
    return this.#source;
  }

  private async load(): Promise<void> {
    if (this.#key) return;
    // One load at a time: concurrent callers share a single keystore decryption.
    this.#loading ??= this.doLoad().finally(() => (this.#loading = undefined));
    return this.#loading;
  }

  private async doLoad(): Promise<void> {
    if (this.#config.privateKey) {
      await this.adoptKey(parsePrivateKey(this.#config.privateKey, 'AGENTPMT_PRIVATE_KEY'), 'env');
      return;
    }
    const exists = await fs.access(this.#config.keystore).then(
      () => true,
      () => false,
    );
    if (!exists) {
      fail({
        code: 'wallet_not_configured',
        message: 'No agent wallet is configured.',
        next_step:
          'Create one with wallet_create (needs AGENTPMT_KEYSTORE_PASSWORD set), or ask the user to set AGENTPMT_KEYSTORE (+ AGENTPMT_KEYSTORE_PASSWORD) or AGENTPMT_PRIVATE_KEY.',
      });
    }
    // scrypt runs on libuv's thread pool: load the signer (viem) on the main thread meanwhile,
    // so the first signed call pays for the slower of the two, not for both.
    const loading = signer().catch(() => undefined);
    const { key } = await decryptKeystoreFile(this.#config.keystore, this.#config.keystorePassword);
    await loading;
    await this.adoptKey(key, 'keystore');
  }

  private async adoptKey(key: Hex, source: WalletSource): Promise<void> {
    const bare = key.slice(2);
    log.addSecrets([bare, bare.toUpperCase()]);
    let address: Hex;
    try {
      address = (await signer()).addressFromPrivateKey(key);
    } catch {
      fail({ code: 'invalid_private_key', message: 'The configured private key is not a valid secp256k1 key.', next_step: 'Ask the user to fix AGENTPMT_PRIVATE_KEY or the keystore.' });
    }
    this.#key = key;
    this.#address = address;
    this.#source = source;
  }

  async address(): Promise<Hex> {
    await this.load();
    return this.#address!;
  }

  async signMessage(message: string): Promise<Hex> {
    await this.load();
    return (await signer()).signMessageWithKey(this.#key!, message);
  }

  async signTransfer(domain: TransferDomain, authorization: TransferAuthorization): Promise<Hex> {
    await this.load();
    return (await x402()).signTransferWithAuthorization({ privateKey: this.#key!, domain, authorization });
  }

  /** Encrypts a freshly created key into the keystore and makes it the active wallet. */
  async storeNewKey(rawKey: string, passphrase: string): Promise<{ address: Hex; keystore: string; previous?: string }> {
    const key = parsePrivateKey(rawKey, 'the platform response');
    const written = await writeKeystoreFile(this.#config.keystore, key, passphrase);
    await this.adoptKey(key, 'created');
    return { address: written.address, keystore: this.#config.keystore, ...(written.previous ? { previous: written.previous } : {}) };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `WalletManager { address: ${this.#address ?? 'not loaded'} }`;
  }

  /** Keeps `JSON.stringify(manager)` and `console.log(manager)` from ever showing anything sensitive. */
  toJSON(): Record<string, unknown> {
    return { address: this.#address ?? null, source: this.#source ?? null };
  }
}
