from feedmill.cli import program

program()
