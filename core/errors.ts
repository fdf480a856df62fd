/**
 * A bad input, reported before any resource is registered. The message always names the input,
 * the bad value and what would be accepted, so a person can fix it without reading code.
 */
export class InputError extends Error {
  constructor(
    /** The input's name as the user wrote it, e.g. a config key `acs-ebpf:kernel` or an argument `cpu`. */
    readonly input: string,
    /** The value that was rejected. */
    readonly value: unknown,
    /** What would be accepted, e.g. `one of: general-purpose, performance`. */
    readonly accepted: string,
    /** Optional extra explanation (why the value is wrong beyond its form). */
    readonly detail?: string,
  ) {
    super(`${input}: ${describeValue(value)} is not accepted${detail ? ` (${detail})` : ""}; expected ${accepted}`);
    this.name = "InputError";
  }
}

/** Several bad inputs at once: a user fixes all of them in one round trip. */
export class InputErrors extends Error {
  constructor(readonly errors: InputError[]) {
    super(
      errors.length === 1
        ? errors[0].message
        : `${errors.length} inputs are not accepted:\n${errors.map((e) => `  - ${e.message}`).join("\n")}`,
    );
    this.name = "InputErrors";
  }
}

/** Longer values are cut in messages: an error should name the value, not repeat a megabyte of it. */
const SHOWN_CHARACTERS = 200;

function describeValue(value: unknown): string {
  if (value === undefined) return "(not set)";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > SHOWN_CHARACTERS ? `${text.slice(0, SHOWN_CHARACTERS)}… (${text.length} characters)` : text;
}

/** `one of: a, b, c` for error messages. */
export function oneOf(values: readonly string[]): string {
  return `one of: ${values.join(", ")}`;
}

/**
 * The bad inputs of several checks, thrown together at the end: every validation collects into
 * one of these instead of stopping at the first, so a user fixes all of them in one round trip.
 */
export class InputErrorList {
  readonly errors: InputError[] = [];

  /** Records a bad input. */
  fail(input: string, value: unknown, accepted: string, detail?: string): void {
    this.errors.push(new InputError(input, value, accepted, detail));
  }

  /**
   * Runs a check that throws InputError(s): they are recorded (each input renamed as the caller
   * wrote it, when `rename` is given) and undefined returned; other errors pass.
   */
  attempt<T>(check: () => T, rename?: (input: string) => string): T | undefined {
    try {
      return check();
    } catch (e) {
      const errors = e instanceof InputErrors ? e.errors : e instanceof InputError ? [e] : undefined;
      if (!errors) throw e;
      for (const err of errors)
        this.errors.push(rename ? new InputError(rename(err.input), err.value, err.accepted, err.detail) : err);
      return undefined;
    }
  }

  /** Throws every recorded bad input at once; returns when there is none. */
  throwIfAny(): void {
    if (this.errors.length > 0) throw new InputErrors(this.errors);
  }
}
