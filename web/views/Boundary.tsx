import { Component, type ReactNode } from 'react';

interface Props {
  /** What this part of the page is, for the message. */
  what: string;
  children: ReactNode;
  /** A change of this value clears a failure (e.g. a new timeline on screen). */
  resetOn?: unknown;
}

interface State {
  error: Error | null;
  resetOn: unknown;
}

/**
 * An error boundary: a part of the page that fails to render says what failed and offers a way back, and the rest of
 * the app keeps working (a malformed answer from the worker must never blank the whole app).
 */
export class Boundary extends Component<Props, State> {
  override state: State = { error: null, resetOn: this.props.resetOn };

  static getDerivedStateFromError(error: Error): Partial<State> {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetOn !== state.resetOn ? { error: null, resetOn: props.resetOn } : null;
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    const message = error.message.length > 300 ? `${error.message.slice(0, 300)}…` : error.message;
    return (
      <div role="alert" className="panel boundary" data-testid="boundary">
        <p>
          <strong>The {this.props.what} could not be drawn:</strong> {message}
        </p>
        <button type="button" className="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>{' '}
        <button type="button" className="button" onClick={() => window.location.assign(window.location.pathname)}>
          Back to the scenario list
        </button>
      </div>
    );
  }
}
