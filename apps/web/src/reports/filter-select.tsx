/** One report filter: a labelled select whose empty choice ("any", "auto") means no filter (null). */
export function FilterSelect(props: {
  label: string;
  name: string;
  value: string | null;
  emptyLabel: string;
  options: Array<{ value: string; label: string }>;
  onChange: (value: string | null) => void;
}) {
  return (
    <label>
      {props.label}
      <select name={props.name} value={props.value ?? ''} onChange={(e) => props.onChange(e.target.value || null)}>
        <option value="">{props.emptyLabel}</option>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}
