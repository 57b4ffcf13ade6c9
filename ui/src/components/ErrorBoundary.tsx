import { Alert, Button, Code, Stack, Text } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { Component, type ErrorInfo, type ReactNode } from "react";

interface State {
  error: Error | null;
}

/**
 * Keeps a rendering bug in one screen from blanking the whole window: shows what broke and
 * offers to try again, instead of React unmounting everything.
 */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey?: string }, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error("Squirrel: a screen failed to render", error, info.componentStack);
  }

  componentDidUpdate(prev: { resetKey?: string }) {
    // Navigating elsewhere gives the next screen a fresh start.
    if (this.state.error && prev.resetKey !== this.props.resetKey) this.setState({ error: null });
  }

  render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <Stack p="lg" data-testid="render-error">
        <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="This screen failed to show">
          <Text size="sm">
            Something in Squirrel went wrong while drawing this screen. Your data is safe; try again, or
            switch to another screen.
          </Text>
        </Alert>
        <Code block className="sq-wrap">
          {String(error.stack ?? error.message)}
        </Code>
        <div>
          <Button variant="light" onClick={() => this.setState({ error: null })}>
            Try again
          </Button>
        </div>
      </Stack>
    );
  }
}
