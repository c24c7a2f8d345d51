/**
 * What the form's field components share: the form's state (read through getters, so
 * Svelte tracks it), the one way to change it, and what the fields pick from.
 */
import type { Derived } from '../bindings/Derived';
import type { FieldError } from '../bindings/FieldError';
import type { FieldWarning } from '../bindings/FieldWarning';
import type { RecordKind } from '../bindings/RecordKind';
import type { RecordSummary } from '../bindings/RecordSummary';
import type { Vocabulary } from '../bindings/Vocabulary';
import type { Fields } from './form';

export interface FormContext {
  readonly kind: RecordKind;
  readonly fields: Fields;
  /** Changes one field and schedules the autosave. Absent in read-only views. */
  set?: (path: string, value: unknown) => void;
  readonly readonly: boolean;
  /** The record does not exist yet (its committee can still be chosen). */
  readonly isNew: boolean;
  /** Whether the form asks for the committee (devices without one of their own). */
  readonly askCommittee: boolean;
  readonly vocab: Vocabulary;
  readonly errors: readonly FieldError[];
  readonly warnings: readonly FieldWarning[];
  /** Quorum, risk levels, effective sensitivity: computed by core, never here. `null`
   * until core has answered for this form. */
  readonly derived: Derived | null;
  /** « Ce n'est pas un nom »: the user says a held passage is not a name or number. */
  acknowledge?: (warning: FieldWarning) => void;
  /** Pre-filled choices she has not touched yet, marked « à vérifier » (see `toVerify`). */
  readonly toVerify?: readonly string[];
  /** She looked at a pre-filled choice (changed it or left it as it was). */
  touch?: (path: string) => void;
  /** Records of the same committee, for links (origin, records made in a session). */
  readonly linkable: readonly RecordSummary[];
}
