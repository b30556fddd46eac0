"""``python -m lstm_forecast``: the ``lstm-forecast`` command."""

from lstm_forecast.cli import console_main

if __name__ == "__main__":
    console_main()
