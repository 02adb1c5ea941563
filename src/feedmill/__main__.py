from feedmill.cli import main

main()
