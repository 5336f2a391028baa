import { memo, useId, useMemo, useState, type InputHTMLAttributes, type ReactNode } from 'react';
import { validateConfig, type TrainConfig } from '../protocol/config.ts';
import {
  applyNumber,
  applySelect,
  fieldsByGroup,
  FIELDS,
  formatFieldValue,
  isLiveField,
  isRangeField,
  isSelectField,
  problemsByField,
  resetLiveFields,
  selectOptions,
  sliderPositionToValue,
  valueToSliderPosition,
  withUnit,
  type FieldKey,
} from './fields.ts';
import './trainer.css';

const LOCK_NOTE = 'Locked while a run exists: stop the run to change the architecture, size or batch.';

export interface HyperparameterPanelProps {
  config: TrainConfig;
  onChange(next: TrainConfig): void;
  /** While a run exists only the live fields (learning rates, label smoothing, preview interval) can change. */
  runExists: boolean;
  /** Back to HEATON_DEFAULTS; while a run exists the panel resets only the live fields itself instead. */
  onReset(): void;
}

/** Empty text means "not a number" (NaN), so validation names the field rather than silently using 0. */
function parseNumber(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}

/**
 * A number input that keeps what the user typed ("1e3", "007", "") while it still means the
 * current value, and shows the value itself once it changes from outside (a reset).
 */
function NumberInput({
  value,
  onValue,
  ...inputProps
}: { value: number; onValue(value: number): void } & Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'type'>) {
  const [draft, setDraft] = useState<string | null>(null);
  const text = draft !== null && Object.is(parseNumber(draft), value) ? draft : Number.isFinite(value) ? String(value) : '';
  return (
    <input
      {...inputProps}
      type="number"
      inputMode="numeric"
      value={text}
      onChange={(event) => {
        setDraft(event.target.value);
        onValue(parseNumber(event.target.value));
      }}
    />
  );
}

interface FieldProps {
  fieldKey: FieldKey;
  config: TrainConfig;
  onChange(next: TrainConfig): void;
  locked: boolean;
  problems: readonly string[];
  lockNoteId: string;
}

function Field({ fieldKey, config, onChange, locked, problems, lockNoteId }: FieldProps) {
  const meta = FIELDS[fieldKey];
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const invalid = problems.length > 0;
  const shared = {
    id,
    disabled: locked,
    'aria-describedby': [hintId, invalid ? errorId : '', locked ? lockNoteId : ''].filter(Boolean).join(' '),
    'aria-invalid': invalid || undefined,
  };
  const valueText = withUnit(formatFieldValue(fieldKey, config), meta.unit);
  const { control } = meta;

  let input: ReactNode = null;
  let showValue = true;
  if (control.kind === 'checkbox' && fieldKey === 'flip') {
    showValue = false;
    input = <input {...shared} type="checkbox" checked={config.flip} onChange={(event) => onChange({ ...config, flip: event.target.checked })} />;
  } else if (control.kind === 'select' && isSelectField(fieldKey)) {
    showValue = false;
    input = (
      <select {...shared} value={String(config[fieldKey])} onChange={(event) => onChange(applySelect(config, fieldKey, event.target.value))}>
        {selectOptions(fieldKey, config).map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    );
  } else if (isRangeField(fieldKey)) {
    const value = config[fieldKey];
    if (control.kind === 'log-slider') {
      input = (
        <input
          {...shared}
          type="range"
          min={0}
          max={control.values.length - 1}
          step={1}
          value={valueToSliderPosition(control.values, value)}
          // The slider moves over ladder positions; say the value, not the position.
          aria-valuetext={valueText}
          onChange={(event) => onChange(applyNumber(config, fieldKey, sliderPositionToValue(control.values, Number(event.target.value))))}
        />
      );
    } else if (control.kind === 'slider') {
      input = (
        <input
          {...shared}
          type="range"
          min={control.min}
          max={control.max}
          step={control.step}
          value={Number.isFinite(value) ? value : control.min}
          aria-valuetext={valueText}
          onChange={(event) => onChange(applyNumber(config, fieldKey, Number(event.target.value)))}
        />
      );
    } else if (control.kind === 'number') {
      showValue = false;
      input = (
        <span className="hp-number-input">
          <NumberInput
            {...shared}
            min={control.min}
            max={control.max}
            step={control.step}
            value={value}
            onValue={(next) => onChange(applyNumber(config, fieldKey, next))}
          />
          {meta.unit && <span className="hp-unit">{meta.unit}</span>}
        </span>
      );
    }
  }
  if (input === null) throw new Error(`No control for field ${fieldKey} (${control.kind})`);

  const label = (
    <label htmlFor={id} className="hp-label">
      {meta.label}
    </label>
  );
  return (
    <div className={`hp-field hp-${control.kind}`} data-field={fieldKey} data-locked={locked || undefined} data-invalid={invalid || undefined}>
      {control.kind === 'checkbox' ? (
        <div className="hp-row">
          {input}
          {label}
        </div>
      ) : (
        <>
          <div className="hp-row">
            {label}
            {showValue && (
              <output htmlFor={id} className="hp-value">
                {valueText}
              </output>
            )}
          </div>
          {input}
        </>
      )}
      <p id={hintId} className="field-hint">
        {meta.hint}
      </p>
      {invalid && (
        <p id={errorId} className="hp-field-error">
          {problems.join('. ')}.
        </p>
      )}
    </div>
  );
}

/**
 * Every TrainConfig field, grouped (Model, Data, Optimisers, Preview, Run), each with a real
 * label, its value and unit, a one-line hint and its validation sentences. While a run exists
 * the fields the worker cannot change mid-run are disabled, and the panel says why.
 */
export const HyperparameterPanel = memo(function HyperparameterPanel({ config, onChange, runExists, onReset }: HyperparameterPanelProps) {
  const problems = useMemo(() => validateConfig(config), [config]);
  const byField = useMemo(() => problemsByField(problems), [problems]);
  const lockNoteId = useId();
  const headingId = useId();

  return (
    <section className="panel hp-panel" aria-labelledby={headingId}>
      <div className="hp-header">
        <h2 id={headingId}>2. Settings</h2>
        <button
          type="button"
          onClick={runExists ? () => onChange(resetLiveFields(config)) : onReset}
          title={runExists ? 'Resets the settings that can change during a run' : 'Resets every setting to the Keras course values'}
        >
          Heaton defaults
        </button>
      </div>
      {runExists && (
        <p id={lockNoteId} className="hp-lock-note">
          {LOCK_NOTE}
        </p>
      )}
      {problems.length > 0 && (
        <div className="hp-summary" role="alert">
          <p>{problems.length === 1 ? 'One setting needs fixing:' : `${problems.length} settings need fixing:`}</p>
          <ul>
            {problems.map(({ field, message }) => (
              <li key={`${field}: ${message}`}>{message}</li>
            ))}
          </ul>
        </div>
      )}
      {fieldsByGroup().map(({ group, keys }) => (
        <fieldset key={group} className="hp-group">
          <legend>{group}</legend>
          {keys.map((key) => (
            <Field
              key={key}
              fieldKey={key}
              config={config}
              onChange={onChange}
              locked={runExists && !isLiveField(key)}
              problems={byField.get(key) ?? []}
              lockNoteId={lockNoteId}
            />
          ))}
        </fieldset>
      ))}
    </section>
  );
});
