import { css } from 'lit';

/** The demo page's layout: the self-view beside a column of fieldsets (stacked on narrow screens). */
export const appStyles = css`
  :host {
    display: block;
    max-width: 1200px;
    margin: 0 auto;
    padding: 16px;
    --muted: #5b6470;
  }
  h1 {
    font-size: 20px;
    margin: 0 0 12px;
  }
  main {
    display: grid;
    grid-template-columns: minmax(0, 1fr) 340px;
    gap: 16px;
    align-items: start;
  }
  @media (max-width: 900px) {
    main {
      grid-template-columns: 1fr;
    }
  }
  bg-replacer {
    aspect-ratio: 16 / 9;
    border-radius: 6px;
  }
  app-hud {
    top: 8px;
    left: 8px;
  }
  aside {
    display: flex;
    flex-direction: column;
    gap: 12px;
  }
  fieldset {
    border: 1px solid #d6dae0;
    border-radius: 6px;
    padding: 10px 12px 12px;
    margin: 0;
    display: flex;
    flex-direction: column;
    gap: 10px;
  }
  legend {
    font-weight: 600;
    font-size: 13px;
    padding: 0 4px;
  }
  label {
    font-size: 13px;
    display: flex;
    align-items: center;
    gap: 6px;
  }
  input[type='file'] {
    font-size: 12px;
  }
  select {
    font: inherit;
    padding: 4px;
  }
`;
