import { css } from 'lit';

/** The plain button look shared by the app's control panels; `aria-pressed` buttons show their state. */
export const buttonStyles = css`
  button {
    font: inherit;
    font-size: 13px;
    padding: 5px 10px;
    border: 1px solid #bbb;
    border-radius: 4px;
    background: #fff;
    cursor: pointer;
  }
  button[aria-pressed='true'] {
    background: #1f5fbf;
    border-color: #1f5fbf;
    color: #fff;
  }
`;

/** A panel's labelled row of controls: `.row` holding a fixed-width `.label` and the controls. */
export const rowStyles = css`
  .row {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px;
  }
  .label {
    width: 4.5em;
    font-size: 12px;
    color: var(--muted, #555);
  }
`;
