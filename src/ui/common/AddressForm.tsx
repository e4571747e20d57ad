// A web address to import from, with its button: the Data pane's files, the Checkpoints pane's
// bundle. A text field, not a URL one: it takes several addresses, or a model's owner/name. The
// field empties once the address is handed on.
import { useState } from 'react';

export function AddressForm({
  onAddress,
  disabled,
  placeholder,
  label,
  testId,
}: {
  onAddress: (address: string) => void;
  disabled: boolean;
  placeholder: string;
  /** The field's accessible name. */
  label: string;
  /** The field's test id; the button's is `${testId}-go`. */
  testId: string;
}) {
  const [address, setAddress] = useState('');
  return (
    <form
      className="row url-import"
      onSubmit={(e) => {
        e.preventDefault();
        onAddress(address.trim());
        setAddress('');
      }}
    >
      <input
        type="text"
        required
        value={address}
        onChange={(e) => setAddress(e.target.value)}
        placeholder={placeholder}
        aria-label={label}
        data-testid={testId}
      />
      <button type="submit" disabled={disabled || !address.trim()} data-testid={`${testId}-go`}>
        Import from the web
      </button>
    </form>
  );
}
