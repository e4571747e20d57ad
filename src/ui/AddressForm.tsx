// A web address to import from, with its button: the Data pane's file, the Checkpoints pane's
// bundle. The field empties once the address is handed on.
import { useState } from 'react';

export function AddressForm({
  onAddress,
  disabled,
  placeholder,
  label,
  testId,
  type = 'url',
}: {
  onAddress: (address: string) => void;
  disabled: boolean;
  placeholder: string;
  /** The field's accessible name. */
  label: string;
  /** The field's test id; the button's is `${testId}-go`. */
  testId: string;
  /** 'text' where an address need not be a URL (a Hugging Face model's owner/name). */
  type?: 'url' | 'text';
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
        type={type}
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
