import bcrypt from 'bcryptjs';

/** bcrypt via bcryptjs (pure JS: no native addon). */
export class PasswordHasher {
  // Compared against when the email is unknown, so login time does not reveal which emails exist.
  private readonly dummy: string;

  /** @param cost bcrypt cost factor; 12 in production, lower in tests. */
  constructor(private readonly cost: number) {
    this.dummy = bcrypt.hashSync('not-a-real-password-0', cost);
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.cost);
  }

  /** The cost a stored hash was made with; undefined when it is not a bcrypt hash. */
  costOf(hash: string): number | undefined {
    try {
      return bcrypt.getRounds(hash);
    } catch {
      return undefined;
    }
  }

  async verify(password: string, hash: string | undefined): Promise<boolean> {
    const ok = await bcrypt.compare(password, hash ?? this.dummy);
    return ok && hash !== undefined;
  }
}
