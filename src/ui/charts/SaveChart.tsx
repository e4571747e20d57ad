// A chart's PNG button: the chart as it shows, saved as an image (chartImage.ts), or why it was not.
import { type RefObject, useState } from 'react';
import { fileStem } from '../../util/fileStem';
import { download } from '../common/download';
import { type ChartKey, chartSvg, svgToPng } from './chartImage';

export function SaveChart(props: {
  figure: RefObject<HTMLElement | null>;
  title: string;
  /** What goes under the chart: its lines' legend, or its colour scale's key. */
  chartKey: ChartKey;
  disabled: boolean;
  testId: string;
}) {
  const [error, setError] = useState<string>();
  const save = async () => {
    setError(undefined);
    try {
      if (!props.figure.current) return;
      const png = await svgToPng(chartSvg(props.figure.current, props.title, props.chartKey));
      download(png, `${fileStem(props.title.toLowerCase())}.png`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <>
      <button
        type="button"
        className="chart-save small"
        onClick={save}
        disabled={props.disabled}
        title={`Save the chart (${props.title.toLowerCase()}) as a PNG image, as it shows`}
        data-testid={props.testId}
      >
        PNG
      </button>
      {error && (
        <span className="error-text small" role="alert">
          The image was not made: {error}.
        </span>
      )}
    </>
  );
}
