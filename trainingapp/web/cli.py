"""Command-line groups: `flask --app run users ...` and friends."""


def init_app(app):
    from ..accounts.cli import users
    from ..exams.cli import exams
    from ..laws.cli import laws
    from ..notifications.cli import notifications
    from ..platform.backup import backup_command, restore_command
    from ..platform.i18n import translations
    from ..questionbank.cli import questions
    from ..reports.cli import reports
    from .demo import demo_command
    from .reminders import reminders
    app.cli.add_command(users)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(questions)
    app.cli.add_command(exams)
    app.cli.add_command(laws)
    app.cli.add_command(reports)
    app.cli.add_command(demo_command)
    app.cli.add_command(translations)
    app.cli.add_command(notifications)
    app.cli.add_command(reminders)
