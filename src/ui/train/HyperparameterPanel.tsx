import { memo, useId, useMemo, useState, type InputHTMLAttributes, type ReactNode } from 'react';
import { validateConfig, type TrainConfig } from '../../protocol/config.ts';
import { PRESET_HINTS, PRESET_LABELS, PRESETS, type Preset } from '../../protocol/presets.ts';
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
  preset: Preset;
  onPreset(preset: Preset): void;
  /** Why the preset's settings are what they are on this device ("DCGAN 32 px, width ½: about …"). */
  presetReason: string | null;
}

/** The groups in plain words. */
const GROUP_TITLES: Record<string, string> = {
  Model: 'Model: architecture and size',
  Data: 'Images: size, colour, batch',
  Optimisers: 'Learning rates',
  Preview: 'Preview grid and quality',
  Run: 'Length and seed',
};

/** Why a field does nothing with these settings, or null when it applies. */
function notApplicable(key: string, config: TrainConfig): string | null {
  if (key === 'dropout' && config.architecture === 'dcgan') return 'Not used: only the Heaton discriminator has dropout.';
  return null;
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
  /** Why the field does nothing with these settings (it is disabled), or null. */
  unused: string | null;
}

function Field({ fieldKey, config, onChange, locked: lockedByRun, problems, lockNoteId, unused }: FieldProps) {
  const locked = lockedByRun || unused !== null;
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
        {unused ?? meta.hint}
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
export const HyperparameterPanel = memo(function HyperparameterPanel({
  config,
  onChange,
  runExists,
  onReset,
  preset,
  onPreset,
  presetReason,
}: HyperparameterPanelProps) {
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
      <fieldset className="preset-picker" disabled={runExists}>
        <legend>Start from</legend>
        {PRESETS.map((name) => (
          <label key={name} className={name === preset ? 'preset-option chosen' : 'preset-option'}>
            <input type="radio" name="preset" value={name} checked={name === preset} onChange={() => onPreset(name)} />
            <span className="preset-name">
              {PRESET_LABELS[name]}
              {name === 'quick' && <span className="badge">recommended</span>}
            </span>
            <span className="field-hint">{PRESET_HINTS[name]}</span>
          </label>
        ))}
      </fieldset>
      {presetReason && (
        <p className="preset-reason" data-testid="preset-reason" role="status">
          {presetReason}
        </p>
      )}
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
      <h3 className="hp-advanced-title">{preset === 'custom' ? 'All settings' : 'Advanced settings (changing one switches to Custom)'}</h3>
      {fieldsByGroup().map(({ group, keys }) => (
        <details key={`${group}-${preset === 'custom'}`} className="hp-group" open={preset === 'custom' || undefined}>
          <summary>{GROUP_TITLES[group] ?? group}</summary>
          {keys.map((key) => (
            <Field
              key={key}
              fieldKey={key}
              config={config}
              onChange={onChange}
              locked={runExists && !isLiveField(key)}
              problems={byField.get(key) ?? []}
              lockNoteId={lockNoteId}
              unused={notApplicable(key, config)}
            />
          ))}
        </details>
      ))}
    </section>
  );
});
