/**
 * The label selector field and its Apply button, shared by the fleet's views; the surrounding
 * form owns the submit.
 */
export function SelectorSearch({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <>
      <label>
        Label selector
        <input
          name="selector"
          placeholder="env=prod,region in (eu,us)"
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      </label>
      <button type="submit">Apply</button>
    </>
  );
}
