import { css } from 'lit';

/** The plain button look shared by the app's control panels. */
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
`;
