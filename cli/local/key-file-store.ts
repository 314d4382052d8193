/**
 * Local mode's key store: <dataDir>/access-keys.json, mode 0600, rewritten atomically (temporary file, then
 * rename) by `people-pathing keys` and by the first `serve`. Every lookup reads the file again, so a key
 * revoked from another process stops verifying at the next request.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { newAccessKey } from '../../core/auth/keys.js';
import type { AccessKeyInfo, ActiveKey, IssuedKey, KeyStore } from '../../core/auth/keys.js';

export const KEYS_FILE = 'access-keys.json';

interface FileEntry {
  AccessKeyId: string;
  SecretAccessKey: string;
  Account: string;
  CreatedAt: string;
  RevokedAt?: string;
}

export class FileKeyStore implements KeyStore {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = join(dataDir, KEYS_FILE);
  }

  private async read(): Promise<FileEntry[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const parsed = JSON.parse(text) as { keys?: FileEntry[] };
    if (!Array.isArray(parsed.keys)) throw new Error(`${this.file}: expected {"keys": [...]}`);
    return parsed.keys;
  }

  private async write(keys: FileEntry[]): Promise<void> {
    await mkdir(join(this.file, '..'), { recursive: true });
    const tmp = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify({ keys }, null, 2) + '\n', { mode: 0o600 });
    await chmod(tmp, 0o600); // the mode above is masked by the umask
    await rename(tmp, this.file);
  }

  async lookup(accessKeyId: string): Promise<ActiveKey | undefined> {
    const entry = (await this.read()).find((k) => k.AccessKeyId === accessKeyId);
    return entry && !entry.RevokedAt ? { secretAccessKey: entry.SecretAccessKey, account: entry.Account } : undefined;
  }

  async create(account: string): Promise<IssuedKey> {
    const key = newAccessKey(account);
    const keys = await this.read();
    keys.push({ AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey, Account: key.account, CreatedAt: key.createdAt });
    await this.write(keys);
    return key;
  }

  async list(): Promise<AccessKeyInfo[]> {
    return (await this.read()).map((k) => ({
      accessKeyId: k.AccessKeyId,
      account: k.Account,
      createdAt: k.CreatedAt,
      ...(k.RevokedAt ? { revokedAt: k.RevokedAt } : {}),
    }));
  }

  async revoke(accessKeyId: string): Promise<boolean> {
    const keys = await this.read();
    const entry = keys.find((k) => k.AccessKeyId === accessKeyId);
    if (!entry) return false;
    entry.RevokedAt ??= new Date().toISOString();
    await this.write(keys);
    return true;
  }
}
